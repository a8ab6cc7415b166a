#include "cli/ProgressPrinter.h"

#include "cli/Console.h"

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ProgressPrinter::ProgressPrinter(Style style)
    : m_style(style)
{ }

ProgressPrinter::Style ProgressPrinter::styleForStderr()
{
    return Console::stderrIsTerminal() ? Style::LiveBar : Style::PlainLines;
}

void ProgressPrinter::update(const Job &job)
{
    Entry &entry = m_entries[job.id];
    if (entry.terminal)
        return; // a late progress signal after the terminal one changes nothing

    entry.progress = job.progress;
    entry.terminal = isTerminal(job.status);
    entry.succeeded = job.status == JobStatus::Succeeded;
    if (entry.terminal) {
        ++m_finished;
        if (!entry.succeeded)
            ++m_failed;
    }
    if (!job.partialOutput.isEmpty())
        m_latestText = job.partialOutput;

    if (m_style == Style::PlainLines)
        printPlain(job);
    else
        drawBar(entry.terminal && m_finished == m_total);
}

void ProgressPrinter::printPlain(const Job &job)
{
    const bool terminal = isTerminal(job.status);
    QString line;
    if (terminal) {
        line = u"[%1/%2] %3 %4 %5"_s.arg(QString::number(m_finished), QString::number(m_total), job.listingId,
            job.analysisType, jobStatusName(job.status));
        if (!job.error.isEmpty())
            line += u": "_s + job.error;
    } else if (m_total == 1) {
        // One job: every step is worth a line (a log shows how far it got).
        line = u"%1 %2 %3 %4% %5"_s.arg(job.listingId, job.analysisType, jobStatusName(job.status),
            QString::number(int(std::floor(job.progress))), job.partialOutput);
    } else {
        return;
    }
    line = line.trimmed();
    QString &last = m_lastLine[job.id];
    if (line == last)
        return;
    last = line;
    Console::err(line + u'\n');
}

void ProgressPrinter::drawBar(bool force)
{
    if (!force && m_barShown && m_sinceDraw.isValid() && m_sinceDraw.elapsed() < 100)
        return;
    m_sinceDraw.start();

    double sum = 0;
    for (const Entry &e : std::as_const(m_entries))
        sum += e.terminal ? 100.0 : e.progress;
    const int total = qMax(m_total, int(m_entries.size()));
    const double percent = total > 0 ? sum / total : 0;
    constexpr int width = 30;
    const int filled = qBound(0, int(std::lround(percent / 100.0 * width)), width);
    QString text = m_latestText;
    if (text.size() > 40)
        text = text.left(39) + u'…';
    const QString line = u"\r\x1b[K[%1%2] %3% %4/%5 done%6 %7"_s.arg(QString(filled, u'#'),
        QString(width - filled, u'.'), QString::number(int(std::floor(percent))), QString::number(m_finished),
        QString::number(total), m_failed > 0 ? u", %1 failed"_s.arg(m_failed) : QString(), text);
    Console::err(line);
    m_barShown = true;
}

void ProgressPrinter::done()
{
    if (m_style == Style::LiveBar && m_barShown) {
        drawBar(true);
        Console::err(u"\n"_s);
        m_barShown = false;
    }
}

} // namespace dealscope
