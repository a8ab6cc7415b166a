#include "ui/listings/ListingPanel.h"

#include "export/Format.h"
#include "ui/listings/AnalysisRow.h"

#include <QFrame>
#include <QLabel>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

ListingPanel::ListingPanel(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"listingPanel"_s);
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setObjectName(u"listingTitle"_s);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont f = m_title->font();
    f.setPointSizeF(f.pointSizeF() * 1.25);
    f.setBold(true);
    m_title->setFont(f);
    m_facts = new QLabel(this);
    m_facts->setObjectName(u"listingFacts"_s);
    m_facts->setAccessibleName(tr("Listing facts"));
    m_facts->setWordWrap(true);
    m_facts->setTextFormat(Qt::RichText);
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    layout->addWidget(m_facts);
    auto *line = new QFrame(this);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);
    layout->addWidget(line);
    for (const QString &type :
        { u"business_analysis"_s, u"valuation"_s, u"risk_assessment"_s, u"market_intelligence"_s }) {
        auto *row = new AnalysisRow(type, this);
        m_rows.insert(type, row);
        layout->addWidget(row);
        connect(row, &AnalysisRow::startRequested, this, [this](const QString &t) {
            if (m_listing)
                Q_EMIT startRequested(m_listing->id, t, false);
        });
        connect(row, &AnalysisRow::rerunRequested, this, [this](const QString &t) {
            if (m_listing)
                Q_EMIT startRequested(m_listing->id, t, true);
        });
        connect(row, &AnalysisRow::cancelRequested, this, [this](const QString &t) {
            if (m_listing)
                Q_EMIT cancelRequested(m_listing->id, t);
        });
        connect(row, &AnalysisRow::viewRequested, this, [this](const QString &t) {
            if (m_listing)
                Q_EMIT viewRequested(m_listing->id, t);
        });
    }
    layout->addStretch();
    setListing(std::nullopt);
}

void ListingPanel::setListing(const std::optional<Listing> &listing)
{
    m_listing = listing;
    for (AnalysisRow *row : std::as_const(m_rows))
        row->setEnabled(listing.has_value());
    if (!listing) {
        m_title->setText(tr("No listing selected"));
        m_facts->setText(tr("Select a listing in the table to see its facts and run analyses."));
        return;
    }
    const Listing &l = *listing;
    m_title->setText(l.title);
    // Two facts per line keeps the panel short, so the result below gets the room.
    QStringList cells;
    const auto row = [&cells](const QString &name, const QString &value) {
        if (!value.isEmpty())
            cells << u"<td>%1</td><td><b>%2</b>&nbsp;&nbsp;&nbsp;</td>"_s.arg(
                name.toHtmlEscaped(), value.toHtmlEscaped());
    };
    row(tr("ID"), l.id);
    row(tr("Industry"), l.industry + (l.industryInferred ? tr(" (inferred)") : QString()));
    row(tr("Location"), l.location.isEmpty() ? QStringList { l.city, l.state }.join(u", "_s) : l.location);
    row(tr("Asking price"), formatMoney(l.askingPrice));
    row(tr("Gross revenue"), formatMoney(l.grossRevenue));
    row(tr("Cash flow (SDE)"), formatMoney(l.cashFlow));
    row(tr("EBITDA"), formatMoney(l.ebitda));
    if (l.inventory || l.inventoryIncluded) {
        QString inv = formatMoney(l.inventory);
        if (l.inventoryIncluded)
            inv += *l.inventoryIncluded ? tr(" (included)") : tr(" (not included)");
        row(tr("Inventory"), inv);
    }
    if (l.ffe)
        row(tr("FF&E"), formatMoney(l.ffe));
    if (l.yearEstablished)
        row(tr("Established"), QString::number(*l.yearEstablished));
    if (l.employees)
        row(tr("Employees"), QString::number(*l.employees));
    row(tr("Source"), l.source);
    QString facts = u"<table cellpadding=1>"_s;
    for (qsizetype i = 0; i < cells.size(); i += 2)
        facts += u"<tr>"_s + cells.at(i) + (i + 1 < cells.size() ? cells.at(i + 1) : QString()) + u"</tr>"_s;
    facts += u"</table>"_s;
    m_facts->setText(facts);
}

void ListingPanel::setRowState(
    const QString &analysisType, const std::optional<Job> &job, bool active, bool hasStoredResult)
{
    if (AnalysisRow *r = m_rows.value(analysisType))
        r->setState(job, active, hasStoredResult);
}

} // namespace dealscope::ui
