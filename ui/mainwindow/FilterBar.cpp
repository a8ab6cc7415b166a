#include "ui/mainwindow/FilterBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRegularExpressionValidator>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

FilterBar::FilterBar(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"filterBar"_s);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_search = new QLineEdit(this);
    m_search->setObjectName(u"listingSearch"_s);
    m_search->setAccessibleName(tr("Search listings"));
    m_search->setPlaceholderText(tr("Search title, id, location… (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_industry = new QComboBox(this);
    m_industry->setObjectName(u"industryFilter"_s);
    m_industry->setAccessibleName(tr("Industry filter"));
    m_industry->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_industry->setMinimumContentsLength(14);
    m_state = new QComboBox(this);
    m_state->setObjectName(u"stateFilter"_s);
    m_state->setAccessibleName(tr("State filter"));
    m_minPrice = new QLineEdit(this);
    m_minPrice->setObjectName(u"minPrice"_s);
    m_minPrice->setAccessibleName(tr("Minimum asking price"));
    m_minPrice->setPlaceholderText(tr("min $"));
    m_maxPrice = new QLineEdit(this);
    m_maxPrice->setObjectName(u"maxPrice"_s);
    m_maxPrice->setAccessibleName(tr("Maximum asking price"));
    m_maxPrice->setPlaceholderText(tr("max $"));
    const auto *moneyValidator = new QRegularExpressionValidator(QRegularExpression(u"[$]?[0-9, ]{0,20}"_s), this);
    m_minPrice->setValidator(moneyValidator);
    m_maxPrice->setValidator(moneyValidator);
    m_minPrice->setMaximumWidth(110);
    m_maxPrice->setMaximumWidth(110);
    setFacets({}, {});
    layout->addWidget(m_search, 3);
    layout->addWidget(m_industry, 2);
    layout->addWidget(m_state, 1);
    layout->addWidget(m_minPrice);
    layout->addWidget(m_maxPrice);

    // Typing waits for a pause: each change re-filters 100k rows on a worker.
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(120);
    connect(&m_debounce, &QTimer::timeout, this, &FilterBar::emitChanged);
    connect(m_search, &QLineEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_minPrice, &QLineEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_maxPrice, &QLineEdit::textChanged, &m_debounce, qOverload<>(&QTimer::start));
    connect(m_industry, &QComboBox::currentIndexChanged, this, &FilterBar::emitChanged);
    connect(m_state, &QComboBox::currentIndexChanged, this, &FilterBar::emitChanged);
}

void FilterBar::emitChanged()
{
    m_debounce.stop();
    Q_EMIT changed();
}

std::optional<qint64> FilterBar::parseMoney(const QString &text)
{
    QString digits = text;
    digits.remove(u',').remove(u'$').remove(u' ');
    if (digits.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 v = digits.toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

ListingQuery FilterBar::query() const
{
    ListingQuery q;
    q.search = m_search->text().trimmed();
    q.industry = m_industry->currentData().toString();
    q.state = m_state->currentData().toString();
    q.minPrice = parseMoney(m_minPrice->text());
    q.maxPrice = parseMoney(m_maxPrice->text());
    return q;
}

void FilterBar::setFacets(const QStringList &industries, const QStringList &states)
{
    const QString industry
        = m_restoreIndustry.isEmpty() ? m_industry->currentData().toString() : std::exchange(m_restoreIndustry, {});
    const QString state
        = m_restoreState.isEmpty() ? m_state->currentData().toString() : std::exchange(m_restoreState, {});
    const QString before = industry + u'\n' + state;
    {
        const QSignalBlocker b1(m_industry), b2(m_state);
        m_industry->clear();
        m_industry->addItem(tr("All industries"), QString());
        for (const QString &i : industries)
            m_industry->addItem(i, i);
        m_state->clear();
        m_state->addItem(tr("All states"), QString());
        for (const QString &s : states)
            m_state->addItem(s, s);
        m_industry->setCurrentIndex(qMax(0, m_industry->findData(industry)));
        m_state->setCurrentIndex(qMax(0, m_state->findData(state)));
    }
    if (m_industry->currentData().toString() + u'\n' + m_state->currentData().toString() != before)
        emitChanged(); // a choice that is no longer offered fell back to "all"
}

void FilterBar::restore(const ListingFilters &f)
{
    const QSignalBlocker b1(m_search), b2(m_minPrice), b3(m_maxPrice);
    m_search->setText(f.search);
    m_minPrice->setText(f.minPrice ? QString::number(*f.minPrice) : QString());
    m_maxPrice->setText(f.maxPrice ? QString::number(*f.maxPrice) : QString());
    m_restoreIndustry = f.industry;
    m_restoreState = f.state;
}

ListingFilters FilterBar::saved() const
{
    ListingFilters f;
    f.search = m_search->text();
    f.industry = m_industry->currentData().toString();
    f.state = m_state->currentData().toString();
    f.minPrice = parseMoney(m_minPrice->text());
    f.maxPrice = parseMoney(m_maxPrice->text());
    return f;
}

void FilterBar::clear()
{
    {
        const QSignalBlocker b1(m_search), b2(m_industry), b3(m_state), b4(m_minPrice), b5(m_maxPrice);
        m_search->clear();
        m_industry->setCurrentIndex(0);
        m_state->setCurrentIndex(0);
        m_minPrice->clear();
        m_maxPrice->clear();
    }
    emitChanged();
}

void FilterBar::focusSearch()
{
    m_search->setFocus();
    m_search->selectAll();
}

} // namespace dealscope::ui
