#include "cli/JobFormat.h"

#include "common/JsonQt.h"

#include <QDateTime>

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::JobFormat {

namespace {
QString timeText(qint64 ms)
{
    if (ms <= 0)
        return u"-"_s;
    return QDateTime::fromMSecsSinceEpoch(ms).toString(u"yyyy-MM-dd HH:mm:ss"_s);
}

QString stringField(const nlohmann::json &object, const char *key)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? qstr(*it) : QString();
}
} // namespace

QString table(const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (widths.size() <= i)
                widths.append(0);
            widths[i] = qMax(widths[i], row[i].size());
        }
    }
    QString text;
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row[i].leftJustified(widths[i] + 2) : row[i];
        text += line.trimmed() + u'\n';
    }
    return text;
}

QStringList tableHeader()
{
    return { u"JOB"_s, u"LISTING"_s, u"TYPE"_s, u"STATUS"_s, u"PROGRESS"_s, u"ATTEMPT"_s, u"UPDATED"_s,
        u"SCORE/ERROR"_s };
}

QStringList tableRow(const Job &job)
{
    const QString last = job.status == JobStatus::Succeeded ? scoreText(job) : job.error;
    return { job.id, job.listingId, job.analysisType, jobStatusName(job.status),
        u"%1%"_s.arg(int(std::floor(job.progress))), QString::number(job.attempt), timeText(job.updatedAt),
        last.isEmpty() ? u"-"_s : last };
}

QString scoreText(const Job &job)
{
    if (!job.result || !job.result->is_object())
        return {};
    const auto it = job.result->find("score");
    if (it == job.result->end() || !it->is_number())
        return {};
    return u"score %1"_s.arg(QString::number(it->get<double>(), 'f', 0));
}

QString report(const Job &job)
{
    QString text = u"%1 %2 (job %3): %4\n"_s.arg(job.listingId, job.analysisType, job.id, jobStatusName(job.status));
    if (job.status != JobStatus::Succeeded) {
        if (!job.error.isEmpty())
            text += u"  error: "_s + job.error + u'\n';
        return text;
    }
    const QString score = scoreText(job);
    if (!score.isEmpty())
        text += u"  "_s + score + u'\n';
    const QString summary = job.result ? stringField(*job.result, "summary") : QString();
    if (!summary.isEmpty())
        text += u"  "_s + summary + u'\n';
    return text;
}

} // namespace dealscope::JobFormat
