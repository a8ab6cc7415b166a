#include "cli/ResumeCommand.h"

#include "analysis/AnalysisEngine.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobBatch.h"
#include "cli/ListingsFile.h"
#include "cli/LocalJobSetup.h"
#include "cli/ProgressPrinter.h"
#include "cli/RemoteServers.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"
#include "net/RemoteJobBackend.h"
#include "storage/ResultsLibrary.h"

#include <QDir>
#include <QSet>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ResumeCommand::ResumeCommand(QObject *parent)
    : CliCommand(parent)
{ }

ResumeCommand::~ResumeCommand()
{
    m_batches.clear();
    m_remote.reset();
    m_setup.reset();
}

void ResumeCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption({ u"wait"_s,
        u"Follows every job to its end (remote ones through server restarts), then prints them; exit code 1 "
        "if any failed."_s });
    parser.addOption({ u"json"_s, u"With --wait: prints a JSON array of the Job objects."_s });
    parser.addOption({ u"listings"_s,
        u"The listings the jobs analyse (default: the file of the last analyze with these settings)."_s, u"FILE"_s });
    LocalJobSetup::addOptions(parser, LocalJobSetup::All);
}

void ResumeCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return failUsage(u"unexpected argument '%1'"_s.arg(parser.positionalArguments().constFirst()));
    m_setup = std::make_unique<LocalJobSetup>();
    if (const auto error = m_setup->configure(parser, LocalJobSetup::All))
        return failUsage(*error);
    m_json = parser.isSet(u"json"_s);
    m_wait = parser.isSet(u"wait"_s);

    const QString listingsPath
        = parser.isSet(u"listings"_s) ? parser.value(u"listings"_s) : rememberedListingsFile(m_setup->settings());
    std::shared_ptr<const ListingCatalog> catalog;
    if (!listingsPath.isEmpty()) {
        auto loaded = loadListingsCatalog(listingsPath);
        if (const auto *error = std::get_if<QString>(&loaded)) {
            printError(*error);
            return finish(ExitUsage);
        }
        catalog = std::get<std::shared_ptr<const ListingCatalog>>(std::move(loaded));
    } else {
        catalog = emptyListingsCatalog();
    }
    m_catalog = catalog;
    auto madeEngine = LocalJobSetup::makeEngine(parser, catalog);
    if (const auto *llmError = std::get_if<QString>(&madeEngine)) {
        printError(*llmError);
        return finish(ExitUsage);
    }
    const auto engine = std::get<std::shared_ptr<AnalysisEngine>>(std::move(madeEngine));
    if (const auto error = m_setup->openRunner(engine)) {
        printError(*error);
        return finish(ExitUsage);
    }

    LocalJobRunner &runner = m_setup->runner();
    const QList<Job> stored = runner.jobs();
    const auto unfinished
        = std::count_if(stored.cbegin(), stored.cend(), [](const Job &job) { return !isTerminal(job.status); });
    // Checked before anything is requeued: without its listings a resumed job could only fail.
    if (unfinished > 0 && listingsPath.isEmpty()) {
        printError(
            u"%1 interrupted jobs but no listings file to run them against: pass --listings FILE"_s.arg(unfinished));
        return finish(ExitUsage);
    }
    const int resumed = runner.resumeInterrupted();

    m_progress = std::make_unique<ProgressPrinter>(ProgressPrinter::styleForStderr());
    openResultsLibrary();
    auto local = std::make_unique<JobBatch>(runner, &m_setup->registry(), *m_progress);
    JobBatch &batch = *local;
    m_batches.push_back(std::move(local));
    connect(&batch, &JobBatch::finished, this, &ResumeCommand::onBatchFinished);
    ++m_openBatches;

    // Every in-flight entry, plus interrupted jobs the registry never heard of (killed before the
    // entry was written): all of them are this process's to finish.
    QSet<QString> attached;
    QList<InFlightEntry> remote;
    for (const InFlightEntry &entry : m_setup->registry().entries()) {
        if (entry.backend == u"remote"_s) {
            remote.append(entry);
            continue;
        }
        if (entry.backend != u"local"_s) {
            Console::err(u"not resumed: %1 job %2 (%3 %4): unknown backend\n"_s.arg(
                entry.backend, entry.jobId, entry.listingId, entry.analysisType));
            continue;
        }
        attached.insert(entry.jobId);
        batch.attach(entry.listingId, entry.analysisType, entry.jobId, /*registered=*/true);
    }
    for (const Job &job : stored) {
        if (isTerminal(job.status) || attached.contains(job.id))
            continue;
        attached.insert(job.id);
        batch.attach(job.listingId, job.analysisType, job.id, /*registered=*/false);
    }
    int servers = 0;
    {
        QSet<QString> seen;
        for (const InFlightEntry &e : std::as_const(remote))
            seen.insert(e.server);
        servers = int(seen.size());
    }
    m_progress->setTotal(batch.size() + int(remote.size()));
    if (remote.isEmpty()) {
        Console::err(u"resuming %1 in-flight jobs (%2 from their checkpoints)\n"_s.arg(batch.size()).arg(resumed));
    } else {
        Console::err(
            u"resuming %1 in-flight jobs (%2 from their checkpoints, %3 on %4 %5)\n"_s.arg(batch.size() + remote.size())
                .arg(resumed)
                .arg(remote.size())
                .arg(servers)
                .arg(servers == 1 ? u"server"_s : u"servers"_s));
    }
    if (!remote.isEmpty()) {
        ++m_openBatches; // held until the remote batches exist
        m_remote = std::make_unique<RemoteServers>();
        QList<QUrl> urls;
        QSet<QString> seen;
        for (const InFlightEntry &e : std::as_const(remote)) {
            if (!seen.contains(e.server)) {
                seen.insert(e.server);
                urls.append(QUrl(e.server));
            }
        }
        m_remote->open(urls, [this, remote] {
            if (m_wait)
                startRemote(remote);
            else
                checkRemoteOnce(remote);
        });
    }
    batch.seal();
}

void ResumeCommand::openResultsLibrary()
{
    m_library = std::make_unique<ResultsLibrary>();
    const QString file = QDir(m_setup->dataDir()).filePath(u"results.sqlite"_s);
    if (!m_library->open(file)) {
        Console::err(u"results library %1 not available (%2): results are not saved there\n"_s.arg(
            QDir::toNativeSeparators(file), m_library->errorString()));
        m_library.reset();
    }
}

void ResumeCommand::startRemote(const QList<InFlightEntry> &entries)
{
    QHash<QString, JobBatch *> byServer;
    for (const InFlightEntry &entry : entries) {
        JobBatch *batch = byServer.value(entry.server);
        if (!batch) {
            RemoteJobBackend *backend = m_remote->backend(QUrl(entry.server));
            if (!backend) {
                Console::err(u"not resumed: job %1 on %2 (not an http(s) server)\n"_s.arg(entry.jobId, entry.server));
                continue;
            }
            auto made = std::make_unique<JobBatch>(*backend, &m_setup->registry(), *m_progress);
            batch = made.get();
            if (m_library) {
                batch->storeResultsIn(m_library.get(), [catalog = m_catalog](const QString &listingId) {
                    const Listing *listing = catalog ? catalog->find(listingId) : nullptr;
                    return listing ? listingToJson(*listing) : nlohmann::json::object();
                });
            }
            connect(batch, &JobBatch::finished, this, &ResumeCommand::onBatchFinished);
            ++m_openBatches;
            m_batches.push_back(std::move(made));
            byServer.insert(entry.server, batch);
        }
        batch->attach(entry.listingId, entry.analysisType, entry.jobId, /*registered=*/true);
    }
    for (JobBatch *batch : std::as_const(byServer))
        batch->seal();
    onBatchFinished(); // the hold taken in run()
}

// Without --wait: each remote job is asked about once. Finished ones are filed in the library and
// leave the registry; running ones stay; unreachable servers keep their entries.
void ResumeCommand::checkRemoteOnce(const QList<InFlightEntry> &entries)
{
    auto pending = std::make_shared<qsizetype>(entries.size());
    InFlightRegistry &registry = m_setup->registry();
    for (const InFlightEntry &entry : entries) {
        RemoteJobBackend *backend = m_remote->backend(QUrl(entry.server));
        auto done = [this, pending, &registry] {
            if (--*pending == 0) {
                registry.sync();
                onBatchFinished();
            }
        };
        if (!backend) {
            Console::err(u"not resumed: job %1 on %2 (not an http(s) server)\n"_s.arg(entry.jobId, entry.server));
            done();
            continue;
        }
        backend->fetch(entry.jobId, this, [this, entry, done, &registry, backend](const BackendReply &reply) {
            if (reply.ok() && reply.job) {
                const Job &job = *reply.job;
                if (!isTerminal(job.status)) {
                    Console::err(u"%1 %2 %3: %4 %5 % on %6 (follow with 'resume --wait')\n"_s.arg(job.id, job.listingId,
                        job.analysisType, jobStatusName(job.status), QString::number(job.progress, 'f', 0),
                        entry.server));
                } else {
                    bool filed = true;
                    if (job.status == JobStatus::Succeeded && job.result && m_library) {
                        const Listing *listing = m_catalog ? m_catalog->find(job.listingId) : nullptr;
                        const auto stored = m_library->storeAll(
                            { { jobToJson(job), listing ? listingToJson(*listing) : nlohmann::json::object() } });
                        filed = !stored.isEmpty() && stored.front().ok;
                    }
                    Console::err(u"%1 %2 %3: %4%5\n"_s.arg(job.id, job.listingId, job.analysisType,
                        jobStatusName(job.status), filed ? QString() : u" (not saved to the library)"_s));
                    if (filed)
                        registry.remove(job.id);
                }
            } else if (reply.error == BackendReply::Error::NotFound || reply.error == BackendReply::Error::Expired) {
                Console::err(
                    u"%1 %2 %3: expired: %4\n"_s.arg(entry.jobId, entry.listingId, entry.analysisType, reply.message));
                registry.remove(entry.jobId);
            } else {
                QString message = reply.message;
                if (reply.error == BackendReply::Error::Unauthorized)
                    message += u"; "_s + RemoteServers::loginHint(backend->server());
                Console::err(u"%1 %2 %3: still in flight, not checked: %4\n"_s.arg(
                    entry.jobId, entry.listingId, entry.analysisType, message));
            }
            done();
        });
    }
}

void ResumeCommand::onBatchFinished()
{
    if (--m_openBatches > 0)
        return;
    m_progress->done();
    QList<JobBatch::Outcome> outcomes;
    for (const auto &batch : m_batches)
        outcomes += batch->outcomes();
    if (m_wait)
        JobBatch::printOutcomeList(outcomes, m_json, /*single=*/false);
    JobBatch::printSummaryOf(outcomes);
    finish(JobBatch::exitCodeOf(outcomes));
}

} // namespace dealscope
