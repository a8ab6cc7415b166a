#include "export/PdfExport.h"

#include "export/Format.h"
#include "export/ReportChart.h"
#include "export/ReportHtml.h"
#include "export/ResultFigures.h"
#include "storage/ResultsLibrary.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QIODevice>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::PdfExport {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("dealscope::PdfExport", text);
}

// Printed: black on white, whatever the screen's theme.
QPalette printPalette()
{
    QPalette p(Qt::black, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x2a, 0x6f, 0xdb));
    p.setColor(QPalette::Mid, QColor(0x9a, 0xa0, 0xa6));
    return p;
}

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString money(const nlohmann::json &listing, const char *key)
{
    const auto v = ResultFigures::number(listing, key);
    return v ? formatMoney(*v) : u"—"_s;
}

QString annotationHtml(const QString &heading, const Annotation &a)
{
    if (a.isEmpty())
        return {};
    QString html = u"<h3>%1</h3>"_s.arg(esc(heading));
    if (!a.tags.isEmpty())
        html += u"<p><b>%1</b> %2</p>"_s.arg(esc(tr("Tags:")), esc(a.tags.join(u", "_s)));
    if (!a.notes.trimmed().isEmpty())
        html += u"<p>%1</p>"_s.arg(esc(a.notes.trimmed()).replace(u"\n"_s, u"<br>"_s));
    return html;
}

QString chartName(int index)
{
    return u"chart-%1.png"_s.arg(index);
}

QString page(const StoredResult &r, int index, bool hasChart)
{
    const nlohmann::json &result = ResultFigures::resultOf(r);
    const QString title = ResultFigures::titleOf(r);
    QString html = index > 0 ? u"<div style='page-break-before: always'>"_s : u"<div>"_s;
    html += u"<p><small>Dealscope · %1</small></p>"_s.arg(
        esc(r.finishedAt > 0 ? formatTimestamp(r.finishedAt) : QString()));
    html += u"<table cellpadding=2><tr><td>%1</td><td><b>%2</b></td><td>%3</td><td><b>%4</b></td></tr>"_s.arg(
        esc(tr("Listing")), esc(r.listingId), esc(tr("Industry")), esc(ResultFigures::text(r.listing, "industry")));
    html += u"<tr><td>%1</td><td><b>%2</b></td><td>%3</td><td><b>%4</b></td></tr>"_s.arg(esc(tr("Location")),
        esc(ResultFigures::text(r.listing, "location")), esc(tr("Asking price")), esc(money(r.listing, "askingPrice")));
    html += u"<tr><td>%1</td><td><b>%2</b></td><td>%3</td><td><b>%4</b></td></tr></table>"_s.arg(
        esc(tr("Gross revenue")), esc(money(r.listing, "grossRevenue")), esc(tr("Cash flow (SDE)")),
        esc(money(r.listing, "cashFlow")));
    html += ReportHtml::render(result, analysisTypeLabel(r.analysisType) + u" — "_s + title, printPalette());
    if (hasChart) {
        html += u"<h3>%1</h3><p><img src='%2' width=560></p>"_s.arg(
            esc(tr("Multiples against the sector benchmark")), chartName(index));
    }
    html += annotationHtml(tr("Notes on the listing"), r.listingNotes);
    html += annotationHtml(tr("Notes on this result"), r.notes);
    return html + u"</div>"_s;
}

} // namespace

QString html(const QList<StoredResult> &results)
{
    QString out;
    for (int i = 0; i < results.size(); ++i)
        out += page(results.at(i), i, true);
    return out;
}

bool write(const QList<StoredResult> &results, QIODevice &device, QString *error)
{
    if (!device.isWritable()) {
        if (error)
            *error = tr("the file is not open for writing");
        return false;
    }
    QPdfWriter writer(&device);
    writer.setTitle(tr("Dealscope results"));
    writer.setCreator(u"Dealscope"_s);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    writer.setResolution(120);

    QTextDocument document;
    document.setDocumentMargin(0);
    QFont font = document.defaultFont();
    font.setPointSize(10);
    document.setDefaultFont(font);
    const QPalette palette = printPalette();
    QString body;
    for (int i = 0; i < results.size(); ++i) {
        const QImage chart = ReportChart::multiples(ResultFigures::resultOf(results.at(i)), palette);
        if (!chart.isNull())
            document.addResource(QTextDocument::ImageResource, QUrl(chartName(i)), chart);
        body += page(results.at(i), i, !chart.isNull());
    }
    document.setHtml(body);
    document.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size());
    document.print(&writer);
    return true;
}

} // namespace dealscope::PdfExport
