#include "cli/ImportCommand.h"

#include "benchmarks/BenchmarkTable.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "import/ListingImporter.h"

#include <nlohmann/json.hpp>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

void ImportCommand::setUp(QCommandLineParser &parser)
{
    parser.addPositionalArgument(u"FILE"_s, u"The listings file."_s);
    parser.addOption({ u"json"_s, u"Prints {file, format, rows, imported, warnings, errors, diagnostics} as JSON."_s });
    parser.addOption({ u"format"_s, u"auto (default: by content), csv or json."_s, u"FORMAT"_s, u"auto"_s });
}

void ImportCommand::run(const QCommandLineParser &parser)
{
    const QStringList files = parser.positionalArguments();
    if (files.size() != 1)
        return failUsage(files.isEmpty() ? u"missing FILE"_s : u"one FILE at a time"_s);
    const auto format = ListingImporter::formatFromName(parser.value(u"format"_s));
    if (!format)
        return failUsage(u"--format must be auto, csv or json, got '%1'"_s.arg(parser.value(u"format"_s)));

    const QString &file = files.constFirst();
    const ImportResult result = ListingImporter(BenchmarkTable::builtin()).importFile(file, *format);

    if (parser.isSet(u"json"_s)) {
        nlohmann::json out = importResultToJson(result);
        out["file"] = file.toStdString();
        Console::outBytes(QByteArray::fromStdString(out.dump(2)) + '\n');
    }
    if (!result.ok()) {
        printError(u"cannot read %1: %2"_s.arg(file, result.fatalError));
        return finish(ExitUsage);
    }
    if (parser.isSet(u"json"_s))
        return finish(ExitSuccess);

    QString text = u"%1 (%2): %3 rows, %4 imported, %5 warnings, %6 errors\n"_s.arg(file, result.format,
        QString::number(result.rows), QString::number(result.imported), QString::number(result.warnings),
        QString::number(result.errors));
    for (const ImportDiagnostic &d : result.diagnostics) {
        QString where = d.line > 0 ? u"line %1"_s.arg(d.line) : d.record > 0 ? u"record %1"_s.arg(d.record) : u"file"_s;
        if (!d.column.isEmpty())
            where += u", column \"%1\""_s.arg(d.column);
        text += u"%1: %2: %3\n"_s.arg(severityName(d.severity), where, d.message);
    }
    if (result.diagnosticsDropped > 0)
        text += u"… and %1 more diagnostics\n"_s.arg(result.diagnosticsDropped);
    Console::out(text);
    finish(ExitSuccess);
}

} // namespace dealscope
