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
#include "cli/RemoteServers.h"
#include "export/MarketRanking.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"
#include "net/RemoteJobBackend.h"
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
    m_remote.reset();
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
    RemoteServers::addServerOption(parser,
        u"Runs the analyses on this dealscope-server (http:// or https://) instead of local threads; the "
        "listings are sent along. Token: DEALSCOPE_TOKEN or 'dealscope-cli login'."_s);
    parser.addOption({ u"detach"_s,
        u"With --server: starts the analyses, records them as in flight, prints their job ids and exits; "
        "'dealscope-cli resume --wait' follows them later."_s });
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

    std::optional<QUrl> server;
    if (parser.isSet(u"server"_s)) {
        auto parsed = RemoteServers::parseServer(parser.value(u"server"_s));
        if (const auto *error = std::get_if<QString>(&parsed))
            return failUsage(*error);
        server = std::get<QUrl>(parsed);
    }
    m_detach = parser.isSet(u"detach"_s);
    if (m_detach && !server)
        return failUsage(u"--detach needs --server URL: local analyses run inside this process"_s);
    if (m_detach && parser.isSet(u"rank"_s))
        return failUsage(u"--rank needs the results: it does not go with --detach"_s);

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
    // resume needs the same listings to continue these jobs after a crash (and to file remote
    // results with their listing).
    m_json = parser.isSet(u"json"_s);
    m_all = all;
    m_rank = parser.isSet(u"rank"_s);
    const bool force = parser.isSet(u"force"_s);
    if (server) {
        rememberListingsFile(m_setup->settings(), listingsPath);
        m_remote = std::make_unique<RemoteServers>();
        m_remote->open({ *server }, [this, server = *server, listingIds, typeName, paramsJson, force] {
            launch(*m_remote->backend(server), listingIds, typeName, paramsJson, force);
        });
        return;
    }
    if (const auto error = m_setup->openRunner(engine)) {
        printError(*error);
        return finish(ExitUsage);
    }
    rememberListingsFile(m_setup->settings(), listingsPath);
    launch(m_setup->runner(), listingIds, typeName, paramsJson, force);
}

void AnalyzeCommand::launch(JobBackend &backend, const QStringList &listingIds, const QString &typeName,
    const nlohmann::json &paramsJson, bool force)
{
    const bool remote = backend.kind() == u"remote"_s;
    const auto snapshot = [this, remote](const QString &id) -> std::optional<Listing> {
        const Listing *listing = remote && m_catalog ? m_catalog->find(id) : nullptr;
        return listing ? std::optional<Listing>(*listing) : std::nullopt;
    };
    if (m_detach) {
        startDetached(backend, listingIds, typeName, paramsJson, force);
        return;
    }
    m_progress = std::make_unique<ProgressPrinter>(ProgressPrinter::styleForStderr());
    m_progress->setTotal(int(listingIds.size()));
    // Every registry sync rewrites the whole settings file, so big batches are not recorded there:
    // `resume` finds their unfinished jobs in the job store all the same.
    InFlightRegistry *registry = listingIds.size() <= kMaxRegisteredJobs ? &m_setup->registry() : nullptr;
    m_batch = std::make_unique<JobBatch>(backend, registry, *m_progress);
    connect(m_batch.get(), &JobBatch::finished, this, &AnalyzeCommand::onBatchFinished);
    openResultsLibrary();
    for (const QString &id : std::as_const(listingIds))
        m_batch->start(id, typeName, paramsJson, force, snapshot(id));
    m_batch->seal();
}

void AnalyzeCommand::startDetached(JobBackend &backend, const QStringList &listingIds, const QString &typeName,
    const nlohmann::json &paramsJson, bool force)
{
    auto pending = std::make_shared<qsizetype>(listingIds.size());
    auto started = std::make_shared<QList<Job>>();
    auto failures = std::make_shared<int>(0);
    InFlightRegistry &registry = m_setup->registry();
    for (const QString &id : listingIds) {
        const Listing *listing = m_catalog ? m_catalog->find(id) : nullptr;
        StartRequest request { id, typeName, paramsJson, force,
            listing ? std::optional<Listing>(*listing) : std::nullopt };
        backend.start(request, this,
            [this, &backend, &registry, id, typeName, pending, started, failures](const BackendReply &reply) {
                if (reply.ok() && reply.job) {
                    if (!isTerminal(reply.job->status)) {
                        registry.put(InFlightEntry { reply.job->listingId, reply.job->analysisType, reply.job->id,
                            backend.kind(), backend.server() });
                    }
                    started->append(*reply.job);
                } else {
                    ++*failures;
                    QString message = reply.message;
                    if (reply.error == BackendReply::Error::Unauthorized)
                        message += u"; "_s + RemoteServers::loginHint(backend.server());
                    Console::err(u"%1 %2: %3\n"_s.arg(id, typeName, message));
                }
                if (--*pending > 0)
                    return;
                registry.sync();
                if (m_json) {
                    nlohmann::json array = nlohmann::json::array();
                    for (const Job &job : std::as_const(*started))
                        array.push_back(jobToJson(job));
                    const nlohmann::json &out = (!m_all && array.size() == 1) ? array.front() : array;
                    Console::outBytes(QByteArray::fromStdString(out.dump(2)) + '\n');
                } else {
                    QString ids;
                    for (const Job &job : std::as_const(*started))
                        ids += job.id + u'\n';
                    Console::out(ids);
                }
                Console::err(u"%1 of %2 analyses started on %3; follow them with 'dealscope-cli resume --wait'\n"_s
                                 .arg(started->size())
                                 .arg(started->size() + *failures)
                                 .arg(backend.server()));
                finish(*failures == 0 ? ExitSuccess : ExitFailure);
            });
    }
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
