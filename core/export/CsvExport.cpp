#include "export/CsvExport.h"

#include "export/ResultFigures.h"
#include "storage/ResultsLibrary.h"

#include <QDateTime>

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::CsvExport {

namespace {

// Shortest text that reads back as the same double ("3.5418"), whole numbers without a
// fraction ("121836"): what a spreadsheet or pandas reads as the number it is.
QString plain(std::optional<double> v)
{
    if (!v)
        return {};
    if (std::abs(*v) < 9.0e15 && *v == std::trunc(*v))
        return QString::number(qint64(*v));
    return QString::fromStdString(nlohmann::json(*v).dump());
}

QString textCell(const QString &text)
{
    // Formula injection: a cell starting like a formula is text, not a formula.
    if (!text.isEmpty() && QStringView(u"=+-@\t\r").contains(text.front()))
        return field(u"'"_s + text);
    return field(text);
}

} // namespace

QString field(const QString &text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') && !text.contains(u'\r'))
        return text;
    return u'"' + QString(text).replace(u"\""_s, u"\"\""_s) + u'"';
}

QStringList header()
{
    QStringList h { u"listingId"_s, u"title"_s, u"analysisType"_s, u"score"_s };
    h += ResultFigures::metricKeys();
    h += { u"askingPremium"_s, u"valuationLow"_s, u"valuationMid"_s, u"valuationHigh"_s, u"jobId"_s, u"finishedAt"_s,
        u"engine"_s, u"tags"_s, u"notes"_s, u"listingTags"_s, u"listingNotes"_s };
    return h;
}

QByteArray write(const QList<StoredResult> &results)
{
    QString out = header().join(u',') + u"\r\n"_s;
    for (const StoredResult &r : results) {
        const nlohmann::json &result = ResultFigures::resultOf(r);
        QStringList row { textCell(r.listingId), textCell(ResultFigures::titleOf(r)), textCell(r.analysisType),
            plain(ResultFigures::score(result)) };
        for (const QString &key : ResultFigures::metricKeys())
            row << plain(ResultFigures::metric(result, key));
        const auto range = ResultFigures::valuationRange(result);
        row << plain(ResultFigures::askingPremium(result)) << plain(range.low) << plain(range.mid) << plain(range.high)
            << textCell(r.jobId)
            << (r.finishedAt > 0 ? QDateTime::fromMSecsSinceEpoch(r.finishedAt, Qt::UTC).toString(Qt::ISODate)
                                 : QString())
            << textCell(r.engine) << textCell(r.notes.tags.join(u"; "_s)) << textCell(r.notes.notes)
            << textCell(r.listingNotes.tags.join(u"; "_s)) << textCell(r.listingNotes.notes);
        out += row.join(u',') + u"\r\n"_s;
    }
    return out.toUtf8();
}

} // namespace dealscope::CsvExport
