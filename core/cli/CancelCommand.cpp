#include "cli/CancelCommand.h"

#include "analysis/AnalysisEngine.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobFormat.h"
#include "cli/ListingsFile.h"
#include "cli/LocalJobSetup.h"
#include "cli/RemoteServers.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"
#include "net/RemoteJobBackend.h"

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

CancelCommand::CancelCommand(QObject *parent)
    : CliCommand(parent)
{ }

CancelCommand::~CancelCommand()
{
    m_remote.reset();
    m_setup.reset();
}

void CancelCommand::setUp(QCommandLineParser &parser)
{
    parser.addPositionalArgument(u"JOBID"_s, u"The job to cancel."_s);
    RemoteServers::addServerOption(
        parser, u"The server the job runs on (default: the server of its in-flight entry, else local)."_s);
    parser.addOption({ u"json"_s, u"Prints the Job object after the cancel."_s });
    LocalJobSetup::addOptions(parser, LocalJobSetup::DataDir | LocalJobSetup::Settings);
}

void CancelCommand::run(const QCommandLineParser &parser)
{
    const QStringList args = parser.positionalArguments();
    if (args.size() != 1)
        return failUsage(args.isEmpty() ? u"missing JOBID"_s : u"unexpected argument '%1'"_s.arg(args.at(1)));
    const QString jobId = args.constFirst();
    m_json = parser.isSet(u"json"_s);
    m_setup = std::make_unique<LocalJobSetup>();
    if (const auto error = m_setup->configure(parser, LocalJobSetup::DataDir | LocalJobSetup::Settings))
        return failUsage(*error);

    std::optional<QUrl> server;
    if (parser.isSet(u"server"_s)) {
        auto parsed = RemoteServers::parseServer(parser.value(u"server"_s));
        if (const auto *error = std::get_if<QString>(&parsed))
            return failUsage(*error);
        server = std::get<QUrl>(parsed);
    } else {
        for (const InFlightEntry &e : m_setup->registry().entries()) {
            if (e.jobId == jobId && e.backend == u"remote"_s)
                server = QUrl(e.server);
        }
    }

    auto onReply = [this, jobId](const BackendReply &reply) {
        if (reply.job) {
            const Job &job = *reply.job;
            if (m_json)
                Console::outBytes(QByteArray::fromStdString(jobToJson(job).dump(2)) + '\n');
            else
                Console::out(JobFormat::table({ JobFormat::tableHeader(), JobFormat::tableRow(job) }));
        }
        if (reply.ok()) {
            Console::err(reply.job && reply.job->status == JobStatus::Canceled
                    ? u"job %1 canceled\n"_s.arg(jobId)
                    : u"job %1: cancel requested; it stops at its next step\n"_s.arg(jobId));
            return finish(ExitSuccess);
        }
        if (reply.error == BackendReply::Error::Conflict) {
            printError(u"job %1 had already finished (%2)"_s.arg(
                jobId, reply.job ? jobStatusName(reply.job->status) : reply.message));
            return finish(ExitFailure);
        }
        printError(reply.message.isEmpty() ? u"could not cancel job %1"_s.arg(jobId) : reply.message);
        finish(reply.error == BackendReply::Error::NotFound ? ExitUsage : ExitFailure);
    };

    if (server) {
        m_remote = std::make_unique<RemoteServers>();
        m_remote->open({ *server }, [this, server = *server, jobId, onReply] {
            RemoteJobBackend *backend = m_remote->backend(server);
            backend->cancel(jobId, this, [onReply, backend](const BackendReply &reply) {
                BackendReply r = reply;
                if (r.error == BackendReply::Error::Unauthorized)
                    r.message += u"; "_s + RemoteServers::loginHint(backend->server());
                onReply(r);
            });
        });
        return;
    }
    const auto catalog = emptyListingsCatalog();
    const auto engine = std::make_shared<const AnalysisEngine>(catalog->benchmarksPtr(), catalog);
    if (const auto error = m_setup->openRunner(engine)) {
        printError(*error);
        return finish(ExitUsage);
    }
    m_setup->runner().cancel(jobId, this, onReply);
}

} // namespace dealscope
