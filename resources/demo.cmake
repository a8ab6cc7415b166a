# Demo listings: fictional, made by `dealscope-cli generate --count 300 --seed 2026`
# (tests/cli/tst_cli_generate checks that the committed file still equals that output).
# The desktop app and the server load them as :/demo/listings.csv.
list(APPEND DEALSCOPE_RESOURCE_FILES demo/listings.csv)
