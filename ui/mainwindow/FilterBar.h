#pragma once

#include "config/AppSettings.h"
#include "query/ListingQuery.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QLineEdit;

namespace dealscope::ui {

// The row above the listings table: search box, industry and state choices, price range.
// changed() says the query changed: at once for the choices, after a short pause for typing.
class FilterBar final : public QWidget
{
    Q_OBJECT
public:
    explicit FilterBar(QWidget *parent = nullptr);

    ListingQuery query() const;
    // The industries and states the loaded listings have; the current choices stay when offered.
    void setFacets(const QStringList &industries, const QStringList &states);
    // The filters of the last session: the texts at once, the choices once setFacets() offers them.
    void restore(const ListingFilters &filters);
    ListingFilters saved() const;
    // Shows every listing again (one changed()).
    void clear();
    void focusSearch();

    QLineEdit *searchEdit() const { return m_search; }
    QComboBox *industryCombo() const { return m_industry; }
    QComboBox *stateCombo() const { return m_state; }
    QLineEdit *minPriceEdit() const { return m_minPrice; }
    QLineEdit *maxPriceEdit() const { return m_maxPrice; }

    // "$1,000,000" → 1000000; nullopt for empty or unreadable text.
    static std::optional<qint64> parseMoney(const QString &text);

Q_SIGNALS:
    void changed();

private:
    void emitChanged();

    QLineEdit *m_search;
    QComboBox *m_industry;
    QComboBox *m_state;
    QLineEdit *m_minPrice;
    QLineEdit *m_maxPrice;
    QTimer m_debounce;
    QString m_restoreIndustry; // chosen last session, selected once offered
    QString m_restoreState;
};

} // namespace dealscope::ui
