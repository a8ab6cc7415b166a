#include "export/MarkdownExport.h"

#include "export/Format.h"
#include "export/ResultFigures.h"
#include "storage/ResultsLibrary.h"

#include <QCoreApplication>
#include <QDateTime>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::MarkdownExport {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("dealscope::MarkdownExport", text);
}

QString money(const nlohmann::json &listing, const char *key)
{
    const auto v = ResultFigures::number(listing, key);
    return v ? formatMoney(*v) : u"—"_s;
}

void section(QString &out, const QString &heading)
{
    out += u"\n### "_s + heading + u"\n\n"_s;
}

QString annotationLine(const Annotation &a)
{
    QStringList parts;
    if (!a.tags.isEmpty()) {
        QStringList tags;
        for (const QString &t : a.tags)
            tags << u"`"_s + QString(t).remove(u'`') + u"`"_s;
        parts << tr("Tags:") + u' ' + tags.join(u", "_s);
    }
    if (!a.notes.trimmed().isEmpty())
        parts << escape(a.notes.trimmed()).replace(u"\n"_s, u"  \n"_s);
    return parts.join(u"\n\n"_s);
}

void writeOne(QString &out, const StoredResult &r)
{
    const nlohmann::json &result = ResultFigures::resultOf(r);
    out += u"## "_s
        + escape(QString(analysisTypeLabel(r.analysisType) + u" — "_s + ResultFigures::titleOf(r)).simplified(), false)
        + u"\n\n"_s;
    out += u"- %1 %2\n"_s.arg(tr("Listing:"), escape(r.listingId, false));
    if (const QString location = ResultFigures::text(r.listing, "location"); !location.isEmpty())
        out += u"- %1 %2\n"_s.arg(tr("Location:"), escape(location.simplified(), false));
    if (const QString industry = ResultFigures::text(r.listing, "industry"); !industry.isEmpty())
        out += u"- %1 %2\n"_s.arg(tr("Industry:"), escape(industry.simplified(), false));
    out += u"- %1 %2 · %3 %4 · %5 %6\n"_s.arg(tr("Asking:"), money(r.listing, "askingPrice"), tr("revenue"),
        money(r.listing, "grossRevenue"), tr("cash flow"), money(r.listing, "cashFlow"));
    if (r.finishedAt > 0)
        out += u"- %1 %2\n"_s.arg(tr("Finished:"), formatTimestamp(r.finishedAt));
    if (const auto score = ResultFigures::score(result))
        out += u"\n**%1**\n"_s.arg(tr("Score %1 / 100").arg(QString::number(*score, 'f', 0)));
    if (const QString e = ResultFigures::text(result, "scoreExplanation"); !e.isEmpty())
        out += u"\n"_s + escape(e) + u"\n"_s;
    if (const QString s = ResultFigures::text(result, "summary"); !s.isEmpty()) {
        section(out, tr("Summary"));
        out += escape(s) + u"\n"_s;
    }

    section(out, tr("Metrics"));
    out += u"| %1 | %2 |\n|---|---:|\n"_s.arg(tr("Metric"), tr("Value"));
    for (const QString &key : ResultFigures::metricKeys()) {
        if (!result.contains("metrics") || !result["metrics"].contains(key.toStdString()))
            continue;
        out += u"| %1 | %2 |\n"_s.arg(
            escape(humanizeKey(key), false), escape(formatMetric(key, result["metrics"][key.toStdString()]), false));
    }
    const auto range = ResultFigures::valuationRange(result);
    if (range.low || range.high) {
        section(out, tr("Valuation range"));
        out += u"%1 – %2"_s.arg(
            range.low ? formatMoney(*range.low) : u"—"_s, range.high ? formatMoney(*range.high) : u"—"_s);
        if (range.mid)
            out += u" (%1 %2)"_s.arg(tr("mid"), formatMoney(*range.mid));
        out += u"\n"_s;
    }
    if (const auto premium = ResultFigures::askingPremium(result))
        out += u"\n%1 %2\n"_s.arg(tr("Asking premium vs sector:"), formatPercent(*premium));

    if (result.contains("findings") && result["findings"].is_array()) {
        section(out, tr("Findings"));
        if (result["findings"].empty())
            out += tr("No findings.") + u"\n"_s;
        for (const auto &f : result["findings"]) {
            const QString severity = ResultFigures::text(f, "severity");
            QString message = ResultFigures::text(f, "message");
            if (message.isEmpty())
                message = ResultFigures::text(f, "code");
            out += u"- **%1** %2\n"_s.arg(
                escape(severity.isEmpty() ? u"info"_s : severity, false).toUpper(), escape(message, false));
        }
    }
    if (result.contains("benchmark") && result["benchmark"].is_object()) {
        const nlohmann::json &b = result["benchmark"];
        section(out, tr("Benchmark"));
        const QString sector = ResultFigures::text(b, "sector");
        out += u"%1 %2 · %3 %4 · %5 %6\n"_s.arg(tr("Sector:"), escape(sector.isEmpty() ? u"—"_s : sector, false),
            tr("SDE multiple"), formatMetric(u"sdeMultiple"_s, b.value("sdeMultiple", nlohmann::json())),
            tr("revenue multiple"), formatMetric(u"revenueMultiple"_s, b.value("revenueMultiple", nlohmann::json())));
        if (const QString source = ResultFigures::text(b, "source"); !source.isEmpty())
            out += u"\n*%1* %2\n"_s.arg(tr("Source:"), escape(source, false));
    }
    if (!r.listingNotes.isEmpty()) {
        section(out, tr("Notes on the listing"));
        out += annotationLine(r.listingNotes) + u"\n"_s;
    }
    if (!r.notes.isEmpty()) {
        section(out, tr("Notes on this result"));
        out += annotationLine(r.notes) + u"\n"_s;
    }
    if (const QString engine = ResultFigures::text(result, "engine"); !engine.isEmpty())
        out += u"\n<sub>%1 %2 · %3 %4</sub>\n"_s.arg(
            tr("Engine:"), escape(engine, false), tr("Job:"), escape(r.jobId, false));
    out += u"\n---\n\n"_s;
}

} // namespace

QString escape(const QString &text, bool atLineStart)
{
    QString out;
    out.reserve(text.size() + 8);
    bool lineStart = atLineStart;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'\r')
            continue;
        // Inline markup anywhere; list and heading markers only where a line starts.
        const bool inline_ = QStringView(u"\\`*_[]<>|~").contains(c);
        const bool block
            = lineStart && (QStringView(u"#+-=").contains(c) || (c.isDigit() && text.mid(i).indexOf(u'.') > 0));
        if (inline_ || (block && !c.isDigit()))
            out += u'\\';
        out += c;
        if (block && c.isDigit()) {
            // "1. text" would start a numbered list: escape its dot.
            qsizetype j = i + 1;
            while (j < text.size() && text.at(j).isDigit())
                out += text.at(j++);
            if (j < text.size() && text.at(j) == u'.') {
                out += u"\\."_s;
                ++j;
            }
            i = j - 1;
        }
        lineStart = c == u'\n' || (lineStart && c == u' ');
    }
    return out;
}

QByteArray write(const QList<StoredResult> &results)
{
    QString out = u"# "_s + tr("Dealscope results") + u"\n\n"_s;
    out += QCoreApplication::translate("dealscope::MarkdownExport", "%n results", nullptr, int(results.size()))
        + u" · "_s + QDateTime::currentDateTimeUtc().toString(Qt::ISODate) + u"\n\n"_s;
    for (const StoredResult &r : results)
        writeOne(out, r);
    return out.toUtf8();
}

} // namespace dealscope::MarkdownExport
