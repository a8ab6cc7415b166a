#include "cli/JobsCommand.h"

#include "analysis/AnalysisEngine.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobFormat.h"
#include "cli/ListingsFile.h"
#include "cli/LocalJobSetup.h"
#include "cli/RemoteServers.h"
#include "common/JsonQt.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"
#include "net/RemoteJobBackend.h"

#include <QSet>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

JobsCommand::JobsCommand(QObject *parent)
    : CliCommand(parent)
{ }

JobsCommand::~JobsCommand()
{
    m_remote.reset();
    m_setup.reset();
}

void JobsCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption({ u"json"_s, u"Prints {\"jobs\": [Job…], \"inFlight\": [entry…]} as JSON."_s });
    parser.addOption({ u"offline"_s, u"Does not ask servers about remote entries."_s });
    LocalJobSetup::addOptions(parser, LocalJobSetup::DataDir | LocalJobSetup::Settings);
}

void JobsCommand::run(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty()) {
        failUsage(u"unexpected argument '%1'"_s.arg(parser.positionalArguments().constFirst()));
        return;
    }
    m_setup = std::make_unique<LocalJobSetup>();
    if (const auto error = m_setup->configure(parser, LocalJobSetup::DataDir | LocalJobSetup::Settings)) {
        failUsage(*error);
        return;
    }
    // Listing jobs runs nothing, so the engine needs no listings.
    const auto catalog = emptyListingsCatalog();
    const auto engine = std::make_shared<const AnalysisEngine>(catalog->benchmarksPtr(), catalog);
    if (const auto error = m_setup->openRunner(engine)) {
        printError(*error);
        finish(ExitUsage);
        return;
    }
    m_json = parser.isSet(u"json"_s);
    m_jobs = m_setup->runner().jobs();
    m_inFlight = m_setup->registry().entries();

    QList<QUrl> servers;
    QHash<QString, QStringList> idsByServer;
    for (const InFlightEntry &e : std::as_const(m_inFlight)) {
        if (e.backend != u"remote"_s)
            continue;
        if (!idsByServer.contains(e.server))
            servers.append(QUrl(e.server));
        idsByServer[e.server].append(e.jobId);
    }
    if (servers.isEmpty() || parser.isSet(u"offline"_s)) {
        print();
        return;
    }
    m_remote = std::make_unique<RemoteServers>();
    m_remote->open(servers, [this, idsByServer] {
        auto pending = std::make_shared<qsizetype>(idsByServer.size());
        for (auto it = idsByServer.cbegin(); it != idsByServer.cend(); ++it) {
            RemoteJobBackend *backend = m_remote->backend(QUrl(it.key()));
            if (!backend) {
                for (const QString &id : it.value())
                    m_remoteStatus.insert(id, { u"unknown"_s, 0, u"not an http(s) server"_s });
                if (--*pending == 0)
                    print();
                continue;
            }
            backend->fetchMany(it.value(), this, [this, pending](const QHash<QString, BackendReply> &replies) {
                for (auto r = replies.cbegin(); r != replies.cend(); ++r) {
                    const BackendReply &reply = r.value();
                    RemoteStatus status;
                    if (reply.ok() && reply.job) {
                        status.status = jobStatusName(reply.job->status);
                        status.progress = reply.job->progress;
                        status.detail = reply.job->error.isEmpty() ? reply.job->partialOutput : reply.job->error;
                    } else if (reply.error == BackendReply::Error::NotFound) {
                        status = { u"expired"_s, 0, reply.message };
                    } else if (reply.error == BackendReply::Error::Unauthorized) {
                        status = { u"unauthorized"_s, 0, reply.message };
                    } else {
                        status = { u"unreachable"_s, 0, reply.message };
                    }
                    m_remoteStatus.insert(r.key(), status);
                }
                if (--*pending == 0)
                    print();
            });
        }
    });
}

void JobsCommand::print()
{
    if (m_json) {
        nlohmann::json out = { { "jobs", nlohmann::json::array() }, { "inFlight", nlohmann::json::array() } };
        for (const Job &job : std::as_const(m_jobs))
            out["jobs"].push_back(jobToJson(job));
        for (const InFlightEntry &e : std::as_const(m_inFlight)) {
            nlohmann::json entry = { { "listingId", e.listingId }, { "analysisType", e.analysisType },
                { "jobId", e.jobId }, { "backend", e.backend }, { "server", e.server } };
            if (const auto it = m_remoteStatus.constFind(e.jobId); it != m_remoteStatus.cend()) {
                entry["status"] = it->status;
                entry["progress"] = it->progress;
                if (!it->detail.isEmpty())
                    entry["detail"] = it->detail;
            }
            out["inFlight"].push_back(entry);
        }
        Console::outBytes(QByteArray::fromStdString(out.dump(2)) + '\n');
        finish(ExitSuccess);
        return;
    }

    QString text = u"Jobs in %1 (%2):\n"_s.arg(m_setup->dataDir()).arg(m_jobs.size());
    if (!m_jobs.isEmpty()) {
        QList<QStringList> rows { JobFormat::tableHeader() };
        for (const Job &job : std::as_const(m_jobs))
            rows.append(JobFormat::tableRow(job));
        text += JobFormat::table(rows);
    }
    text += u"\nIn flight (%1):\n"_s.arg(m_inFlight.size());
    if (!m_inFlight.isEmpty()) {
        QHash<QString, const Job *> local;
        for (const Job &job : std::as_const(m_jobs))
            local.insert(job.id, &job);
        QList<QStringList> rows { { u"JOB"_s, u"LISTING"_s, u"TYPE"_s, u"BACKEND"_s, u"SERVER"_s, u"STATUS"_s } };
        for (const InFlightEntry &e : std::as_const(m_inFlight)) {
            QString status = u"-"_s;
            if (const auto it = m_remoteStatus.constFind(e.jobId); it != m_remoteStatus.cend()) {
                status = it->status;
                if (it->status == u"running"_s || it->status == u"queued"_s)
                    status += u" %1 %"_s.arg(QString::number(it->progress, 'f', 0));
            } else if (const Job *job = local.value(e.jobId)) {
                status = jobStatusName(job->status);
            }
            rows.append(
                { e.jobId, e.listingId, e.analysisType, e.backend, e.server.isEmpty() ? u"-"_s : e.server, status });
        }
        text += JobFormat::table(rows);
    }
    Console::out(text);
    finish(ExitSuccess);
}

} // namespace dealscope
