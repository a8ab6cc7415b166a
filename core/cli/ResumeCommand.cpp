#include "cli/ResumeCommand.h"

#include "analysis/AnalysisEngine.h"
#include "cli/Console.h"
#include "cli/ExitCode.h"
#include "cli/JobBatch.h"
#include "cli/ListingsFile.h"
#include "cli/LocalJobSetup.h"
#include "cli/ProgressPrinter.h"
#include "jobs/InFlightRegistry.h"
#include "jobs/LocalJobRunner.h"
#include "market/ListingCatalog.h"

#include <QSet>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ResumeCommand::ResumeCommand(QObject *parent)
    : CliCommand(parent)
{ }

ResumeCommand::~ResumeCommand()
{
    m_batch.reset();
    m_setup.reset();
}

void ResumeCommand::setUp(QCommandLineParser &parser)
{
    parser.addOption({ u"wait"_s, u"Prints the jobs once all are terminal; exit code 1 if any failed."_s });
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
    m_batch = std::make_unique<JobBatch>(runner, &m_setup->registry(), *m_progress);
    connect(m_batch.get(), &JobBatch::finished, this, &ResumeCommand::onBatchFinished);

    // Every in-flight entry, plus interrupted jobs the registry never heard of (killed before the
    // entry was written): all of them are this process's to finish.
    QSet<QString> attached;
    for (const InFlightEntry &entry : m_setup->registry().entries()) {
        if (entry.backend != u"local"_s) {
            Console::err(u"not resumed: %1 job %2 (%3 %4) on %5; the CLI runs local jobs only\n"_s.arg(
                entry.backend, entry.jobId, entry.listingId, entry.analysisType, entry.server));
            continue;
        }
        attached.insert(entry.jobId);
        m_batch->attach(entry.listingId, entry.analysisType, entry.jobId, /*registered=*/true);
    }
    for (const Job &job : stored) {
        if (isTerminal(job.status) || attached.contains(job.id))
            continue;
        attached.insert(job.id);
        m_batch->attach(job.listingId, job.analysisType, job.id, /*registered=*/false);
    }
    m_progress->setTotal(m_batch->size());
    Console::err(u"resuming %1 in-flight jobs (%2 from their checkpoints)\n"_s.arg(m_batch->size()).arg(resumed));
    m_batch->seal();
}

void ResumeCommand::onBatchFinished()
{
    m_progress->done();
    if (m_wait)
        m_batch->printOutcomes(m_json, /*single=*/false);
    m_batch->printSummary();
    finish(m_batch->exitCode());
}

} // namespace dealscope
