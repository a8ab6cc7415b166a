#include "cli/AnalyzeCommand.h"

#include "analysis/AnalysisEngine.h"
#include "analysis/AnalysisType.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobBatch.h"
#include "cli/JobFormat.h"
#include "cli/ListingsFile.h"
#include "cli/LocalJobSetup.h"
#include "cli/ParamArguments.h"
#include "cli/ProgressPrinter.h"
#include "export/MarketRanking.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"
#include "storage/ResultsLibrary.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
constexpr qsizetype kMaxRegisteredJobs = 100;
}

AnalyzeCommand::AnalyzeCommand(QObject *parent)
    : CliCommand(parent)
{ }

AnalyzeCommand::~AnalyzeCommand()
{
    m_batch.reset();
    m_setup.reset();
    m_library.reset();
}

void AnalyzeCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption({ u"listings"_s, u"The listings file (CSV or JSON)."_s, u"FILE"_s });
    parser.addOption({ u"listing"_s, u"Analyses the listing with this id."_s, u"ID"_s });
    parser.addOption({ u"all"_s, u"Analyses every listing of the file."_s });
    parser.addOption({ u"type"_s, u"Analysis type: %1."_s.arg(analysisTypeNames().join(u", "_s)), u"TYPE"_s });
    parser.addOption({ u"param"_s,
        u"Analysis parameter (repeatable), e.g. interestRate=0.09, ownerSalary=60000, "
        "downPaymentPct, termYears, targetDscr."_s,
        u"KEY=VALUE"_s });
    parser.addOption({ u"json"_s, u"Prints the Job object (one listing) or a JSON array of them (--all)."_s });
    parser.addOption({ u"force"_s, u"Runs again even when the same analysis succeeded less than an hour ago."_s });
    parser.addOption({ u"rank"_s,
        u"Prints the listings ranked as the desktop's market scan does: score, asking premium vs sector, "
        "DSCR, max price at target DSCR (a JSON array with --json)."_s });
    LocalJobSetup::addOptions(parser, LocalJobSetup::All);
}

void AnalyzeCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return failUsage(u"unexpected argument '%1'"_s.arg(parser.positionalArguments().constFirst()));
    if (!parser.isSet(u"listings"_s))
        return failUsage(u"missing --listings FILE"_s);
    const bool all = parser.isSet(u"all"_s);
    if (all == parser.isSet(u"listing"_s))
        return failUsage(u"give either --listing ID or --all"_s);
    if (!parser.isSet(u"type"_s))
        return failUsage(u"missing --type TYPE (one of %1)"_s.arg(analysisTypeNames().join(u", "_s)));
    const QString typeName = parser.value(u"type"_s);
    const auto type = parseAnalysisType(typeName);
    if (!type) {
        return failUsage(
            u"unknown analysis type '%1'; allowed types: %2"_s.arg(typeName, analysisTypeNames().join(u", "_s)));
    }
    auto params = parseParamArguments(parser.values(u"param"_s));
    if (const auto *error = std::get_if<ParamArgumentError>(&params))
        return failUsage(error->message);
    const nlohmann::json paramsJson = std::get<nlohmann::json>(std::move(params));

    m_setup = std::make_unique<LocalJobSetup>();
    if (const auto error = m_setup->configure(parser, LocalJobSetup::All))
        return failUsage(*error);

    const QString listingsPath = parser.value(u"listings"_s);
    auto loaded = loadListingsCatalog(listingsPath);
    if (const auto *error = std::get_if<QString>(&loaded)) {
        printError(*error);
        return finish(ExitUsage);
    }
    const auto catalog = std::get<std::shared_ptr<const ListingCatalog>>(std::move(loaded));
    m_catalog = catalog;

    QStringList listingIds;
    if (all) {
        for (const Listing &listing : catalog->listings())
            listingIds.append(listing.id);
        if (listingIds.isEmpty()) {
            printError(u"%1 holds no listings"_s.arg(listingsPath));
            return finish(ExitUsage);
        }
    } else {
        const QString id = parser.value(u"listing"_s);
        if (!catalog->find(id)) {
            printError(u"unknown listing id '%1' (not in %2)"_s.arg(id, listingsPath));
            return finish(ExitUsage);
        }
        listingIds.append(id);
    }

    auto madeEngine = LocalJobSetup::makeEngine(parser, catalog);
    if (const auto *llmError = std::get_if<QString>(&madeEngine)) {
        printError(*llmError);
        return finish(ExitUsage);
    }
    const auto engine = std::get<std::shared_ptr<AnalysisEngine>>(std::move(madeEngine));
    // Parameters do not depend on the listing: one check covers the batch, before any job exists.
    if (const auto invalid
        = engine->validate(AnalysisRequest { listingIds.constFirst(), typeName, paramsJson, {}, {} })) {
        printError(u"invalid %1: %2"_s.arg(invalid->field, invalid->message));
        return finish(ExitUsage);
    }
    if (const auto error = m_setup->openRunner(engine)) {
        printError(*error);
        return finish(ExitUsage);
    }
    // resume needs the same listings to continue these jobs after a crash.
    rememberListingsFile(m_setup->settings(), listingsPath);

    m_json = parser.isSet(u"json"_s);
    m_all = all;
    m_progress = std::make_unique<ProgressPrinter>(ProgressPrinter::styleForStderr());
    m_progress->setTotal(int(listingIds.size()));
    // Every registry sync rewrites the whole settings file, so big batches are not recorded there:
    // `resume` finds their unfinished jobs in the job store all the same.
    InFlightRegistry *registry = listingIds.size() <= kMaxRegisteredJobs ? &m_setup->registry() : nullptr;
    m_batch = std::make_unique<JobBatch>(m_setup->runner(), registry, *m_progress);
    connect(m_batch.get(), &JobBatch::finished, this, &AnalyzeCommand::onBatchFinished);
    m_rank = parser.isSet(u"rank"_s);
    openResultsLibrary();
    const bool force = parser.isSet(u"force"_s);
    for (const QString &id : std::as_const(listingIds))
        m_batch->start(id, typeName, paramsJson, force);
    m_batch->seal();
}

void AnalyzeCommand::onBatchFinished()
{
    m_progress->done();
    if (m_rank)
        printRanking();
    else
        m_batch->printOutcomes(m_json, /*single=*/!m_all);
    if (m_all)
        m_batch->printSummary();
    finish(m_batch->exitCode());
}

void AnalyzeCommand::openResultsLibrary()
{
    m_library = std::make_unique<ResultsLibrary>();
    const QString file = QDir(m_setup->dataDir()).filePath(u"results.sqlite"_s);
    if (!m_library->open(file)) {
        // The analyses still run and stay in the job store; only the shared library misses them.
        Console::err(u"results library %1 not available (%2): results are not saved there\n"_s.arg(
            QDir::toNativeSeparators(file), m_library->errorString()));
        m_library.reset();
        return;
    }
    m_batch->storeResultsIn(m_library.get(), [catalog = m_catalog](const QString &listingId) {
        const Listing *listing = catalog ? catalog->find(listingId) : nullptr;
        return listing ? listingToJson(*listing) : nlohmann::json::object();
    });
}

void AnalyzeCommand::printRanking() const
{
    QList<RankedListing> ranking;
    for (const JobBatch::Outcome &o : m_batch->outcomes()) {
        const Listing *listing = m_catalog ? m_catalog->find(o.listingId) : nullptr;
        const nlohmann::json listingJson = listing ? listingToJson(*listing) : nlohmann::json::object();
        if (o.succeeded() && o.job->result) {
            ranking << MarketRanking::fromResult(o.job->id, o.analysisType, *o.job->result, listingJson);
            continue;
        }
        RankedListing failed;
        failed.listingId = o.listingId;
        failed.title = listing ? listing->title : QString();
        failed.analysisType = o.analysisType;
        failed.jobId = o.job ? o.job->id : QString();
        failed.error = o.job ? (o.job->error.isEmpty() ? jobStatusName(o.job->status) : o.job->error) : o.error;
        ranking << failed;
    }
    MarketRanking::sort(ranking);
    if (!m_json) {
        Console::out(MarketRanking::table(ranking));
        return;
    }
    const auto number = [](const std::optional<double> &v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    nlohmann::json out = nlohmann::json::array();
    int rank = 0;
    for (const RankedListing &r : ranking) {
        out.push_back({ { "rank", r.hasResult() ? nlohmann::json(++rank) : nlohmann::json() },
            { "listingId", r.listingId.toStdString() }, { "title", r.title.toStdString() },
            { "jobId", r.jobId.toStdString() }, { "analysisType", r.analysisType.toStdString() },
            { "score", number(r.score) }, { "askingPremium", number(r.askingPremium) }, { "dscr", number(r.dscr) },
            { "maxPriceAtTargetDscr", number(r.maxPriceAtTargetDscr) },
            { "error", r.error.isEmpty() ? nlohmann::json() : nlohmann::json(r.error.toStdString()) } });
    }
    Console::outBytes(QByteArray::fromStdString(out.dump(2)) + '\n');
}

} // namespace dealscope
