#pragma once

#include "jobs/Job.h"

#include <QElapsedTimer>
#include <QHash>
#include <QString>

namespace dealscope {

// Progress of a batch of jobs on stderr. On a terminal: one live line (bar, percent, counts and
// the latest partialOutput), redrawn at most every 100 ms. Otherwise plain lines a log can keep:
// every step of a single job, or one line per finished job of a batch.
class ProgressPrinter final
{
public:
    enum class Style { LiveBar, PlainLines };

    explicit ProgressPrinter(Style style);
    static Style styleForStderr();

    void setTotal(int total) { m_total = total; }
    void update(const Job &job);
    // Ends the live line so later output starts on a fresh line.
    void done();

private:
    struct Entry
    {
        double progress = 0;
        bool terminal = false;
        bool succeeded = false;
    };

    void printPlain(const Job &job);
    void drawBar(bool force);

    Style m_style;
    int m_total = 0;
    int m_finished = 0;
    int m_failed = 0;
    QHash<QString, Entry> m_entries; // by job id
    QHash<QString, QString> m_lastLine; // by job id: last plain line, to skip repeats
    QString m_latestText;
    QElapsedTimer m_sinceDraw;
    bool m_barShown = false;
};

} // namespace dealscope
