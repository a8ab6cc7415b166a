#include "cli/ExportCommand.h"

#include "analysis/AnalysisType.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/LocalJobSetup.h"
#include "export/ExportFormat.h"
#include "export/Exporter.h"
#include "storage/ResultsLibrary.h"

#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

void ExportCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption(
        { u"format"_s, u"csv, md (Markdown), json or pdf (default: from the extension of -o)."_s, u"FORMAT"_s });
    parser.addOption({ { u"o"_s, u"output"_s }, u"The file to write."_s, u"FILE"_s });
    parser.addOption({ u"listing"_s, u"Only results of this listing (repeatable)."_s, u"ID"_s });
    parser.addOption(
        { u"type"_s, u"Only results of this analysis type: %1."_s.arg(analysisTypeNames().join(u", "_s)), u"TYPE"_s });
    parser.addOption(
        { u"search"_s, u"Only results whose listing id, title, notes or tags contain TEXT."_s, u"TEXT"_s });
    LocalJobSetup::addOptions(parser, LocalJobSetup::DataDir);
}

void ExportCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return failUsage(u"unexpected argument '%1'"_s.arg(parser.positionalArguments().constFirst()));
    const QString file = parser.value(u"output"_s);
    if (file.isEmpty())
        return failUsage(u"missing -o FILE"_s);
    if (QFileInfo(file).isDir())
        return failUsage(u"-o %1 is a folder; give a file name"_s.arg(file));
    std::optional<ExportFormat> format;
    if (parser.isSet(u"format"_s)) {
        format = ExportFormats::parse(parser.value(u"format"_s));
        if (!format) {
            return failUsage(u"unknown format '%1'; allowed formats: %2"_s.arg(
                parser.value(u"format"_s), ExportFormats::names().join(u", "_s)));
        }
    } else {
        format = ExportFormats::fromFileName(file);
        if (!format) {
            return failUsage(
                u"give --format (%1) or an -o FILE ending in one of them"_s.arg(ExportFormats::names().join(u", "_s)));
        }
    }
    ResultQuery query;
    query.limit = 10'000'000;
    query.withJson = true;
    query.listingIds = parser.values(u"listing"_s);
    query.text = parser.value(u"search"_s);
    if (parser.isSet(u"type"_s)) {
        query.analysisType = parser.value(u"type"_s);
        if (!parseAnalysisType(query.analysisType)) {
            return failUsage(u"unknown analysis type '%1'; allowed types: %2"_s.arg(
                query.analysisType, analysisTypeNames().join(u", "_s)));
        }
    }
    // PDF text and fonts need Qt Gui: main() makes a QGuiApplication for this command.
    if (*format == ExportFormat::Pdf && !qobject_cast<QGuiApplication *>(QCoreApplication::instance())) {
        printError(u"PDF export needs a GUI application object"_s);
        return finish(ExitUsage);
    }

    const QString dataDir = parser.isSet(u"data-dir"_s) ? parser.value(u"data-dir"_s) : LocalJobSetup::defaultDataDir();
    const QString libraryFile = QDir(dataDir).filePath(u"results.sqlite"_s);
    const auto nothing = [&](const QString &why) {
        Console::err(u"Nothing to export: %1. No file was written.\n"_s.arg(why));
        finish(ExitSuccess);
    };
    if (!QFileInfo::exists(libraryFile))
        return nothing(u"there is no results library in %1 yet (run 'dealscope-cli analyze' first)"_s.arg(
            QDir::toNativeSeparators(dataDir)));
    ResultsLibrary library;
    if (!library.open(libraryFile)) {
        printError(u"cannot open the results library %1: %2"_s.arg(
            QDir::toNativeSeparators(libraryFile), library.errorString()));
        return finish(ExitUsage);
    }
    const QList<StoredResult> results = library.search(query);
    if (results.isEmpty()) {
        return nothing(library.count() == 0
                ? u"the results library %1 is empty (run 'dealscope-cli analyze' first)"_s.arg(
                    QDir::toNativeSeparators(libraryFile))
                : u"no result matches the filters (the library holds %1)"_s.arg(library.count()));
    }
    const Exporter::Outcome outcome = Exporter::write(results, *format, file);
    if (!outcome.ok) {
        printError(u"cannot write %1: %2"_s.arg(QDir::toNativeSeparators(file), outcome.error));
        return finish(ExitUsage);
    }
    Console::err(u"Exported %1 %2 as %3 to %4\n"_s.arg(outcome.count)
                     .arg(outcome.count == 1 ? u"result"_s : u"results"_s, ExportFormats::label(*format),
                         QDir::toNativeSeparators(file)));
    finish(ExitSuccess);
}

} // namespace dealscope
