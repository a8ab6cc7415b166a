# Benchmark tables read by BenchmarkTable::builtin() (":/benchmarks/…"); sources in benchmarks/SOURCES.md.
list(APPEND DEALSCOPE_RESOURCE_FILES
    benchmarks/industry-multiples-2021-2025.csv
    benchmarks/sector-benchmarks.csv)
