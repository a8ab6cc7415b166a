#include "cli/JobsCommand.h"

#include "analysis/AnalysisEngine.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobFormat.h"
#include "cli/ListingsFile.h"
#include "cli/LocalJobSetup.h"
#include "common/JsonQt.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

void JobsCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption({ u"json"_s, u"Prints {\"jobs\": [Job…], \"inFlight\": [entry…]} as JSON."_s });
    LocalJobSetup::addOptions(parser, LocalJobSetup::DataDir | LocalJobSetup::Settings);
}

void JobsCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty()) {
        failUsage(u"unexpected argument '%1'"_s.arg(parser.positionalArguments().constFirst()));
        return;
    }
    LocalJobSetup setup;
    if (const auto error = setup.configure(parser, LocalJobSetup::DataDir | LocalJobSetup::Settings)) {
        failUsage(*error);
        return;
    }
    // Listing jobs runs nothing, so the engine needs no listings.
    const auto catalog = emptyListingsCatalog();
    const auto engine = std::make_shared<const AnalysisEngine>(catalog->benchmarksPtr(), catalog);
    if (const auto error = setup.openRunner(engine)) {
        printError(*error);
        finish(ExitUsage);
        return;
    }
    const QList<Job> jobs = setup.runner().jobs();
    const QList<InFlightEntry> inFlight = setup.registry().entries();

    if (parser.isSet(u"json"_s)) {
        nlohmann::json out = { { "jobs", nlohmann::json::array() }, { "inFlight", nlohmann::json::array() } };
        for (const Job &job : jobs)
            out["jobs"].push_back(jobToJson(job));
        for (const InFlightEntry &e : inFlight) {
            out["inFlight"].push_back({ { "listingId", e.listingId }, { "analysisType", e.analysisType },
                { "jobId", e.jobId }, { "backend", e.backend }, { "server", e.server } });
        }
        Console::outBytes(QByteArray::fromStdString(out.dump(2)) + '\n');
        finish(ExitSuccess);
        return;
    }

    QString text = u"Jobs in %1 (%2):\n"_s.arg(setup.dataDir()).arg(jobs.size());
    if (!jobs.isEmpty()) {
        QList<QStringList> rows { JobFormat::tableHeader() };
        for (const Job &job : jobs)
            rows.append(JobFormat::tableRow(job));
        text += JobFormat::table(rows);
    }
    text += u"\nIn flight (%1):\n"_s.arg(inFlight.size());
    if (!inFlight.isEmpty()) {
        QList<QStringList> rows { { u"JOB"_s, u"LISTING"_s, u"TYPE"_s, u"BACKEND"_s, u"SERVER"_s } };
        for (const InFlightEntry &e : inFlight)
            rows.append({ e.jobId, e.listingId, e.analysisType, e.backend, e.server.isEmpty() ? u"-"_s : e.server });
        text += JobFormat::table(rows);
    }
    Console::out(text);
    finish(ExitSuccess);
}

} // namespace dealscope
