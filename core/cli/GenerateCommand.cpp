#include "cli/GenerateCommand.h"

#include "benchmarks/BenchmarkTable.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "generate/ListingGenerator.h"

#include <QFile>
#include <QSaveFile>

#include <cstdio>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
constexpr qint64 MaxCount = 10'000'000;
}

void GenerateCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption({ u"count"_s, u"How many listings (1 to %1)."_s.arg(MaxCount), u"N"_s });
    parser.addOption(
        { u"seed"_s, u"Seed of the sequence (0 to 2^64-1); the same seed gives the same bytes."_s, u"S"_s });
    parser.addOption(
        { u"format"_s, u"csv or json (default: json for an -o FILE ending in .json, else csv)."_s, u"FORMAT"_s });
    parser.addOption({ { u"o"_s, u"output"_s }, u"Writes to FILE (atomically) instead of stdout."_s, u"FILE"_s });
}

void GenerateCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return failUsage(u"unexpected argument '%1'"_s.arg(parser.positionalArguments().constFirst()));
    if (!parser.isSet(u"count"_s))
        return failUsage(u"missing --count N"_s);
    if (!parser.isSet(u"seed"_s))
        return failUsage(u"missing --seed S"_s);
    bool ok = false;
    const qint64 count = parser.value(u"count"_s).toLongLong(&ok);
    if (!ok || count < 1 || count > MaxCount)
        return failUsage(
            u"--count must be a whole number from 1 to %1, got '%2'"_s.arg(MaxCount).arg(parser.value(u"count"_s)));
    const quint64 seed = parser.value(u"seed"_s).toULongLong(&ok);
    if (!ok)
        return failUsage(
            u"--seed must be a whole number from 0 to 18446744073709551615, got '%1'"_s.arg(parser.value(u"seed"_s)));

    const QString output = parser.value(u"output"_s);
    QString format = parser.value(u"format"_s).toLower();
    if (format.isEmpty())
        format = output.endsWith(u".json"_s, Qt::CaseInsensitive) ? u"json"_s : u"csv"_s;
    if (format != u"csv"_s && format != u"json"_s)
        return failUsage(u"--format must be csv or json, got '%1'"_s.arg(parser.value(u"format"_s)));

    ListingGenerator generator(BenchmarkTable::builtin(), seed);
    const auto write = [&](QIODevice &device) {
        return format == u"json"_s ? generator.writeJson(device, count) : generator.writeCsv(device, count);
    };

    if (output.isEmpty()) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly) || !write(out) || !out.flush()) {
            printError(u"cannot write to stdout"_s);
            return finish(ExitFailure);
        }
        return finish(ExitSuccess);
    }
    // QSaveFile: a reader never sees half a file, and a failed run leaves the old one in place.
    QSaveFile file(output);
    if (!file.open(QIODevice::WriteOnly)) {
        printError(u"cannot write %1: %2"_s.arg(output, file.errorString()));
        return finish(ExitUsage);
    }
    if (!write(file) || !file.commit()) {
        printError(u"cannot write %1: %2"_s.arg(output, file.errorString()));
        return finish(ExitFailure);
    }
    Console::err(u"wrote %1 listings (%2, seed %3) to %4\n"_s.arg(
        QString::number(count), format, QString::number(seed), output));
    finish(ExitSuccess);
}

} // namespace dealscope
