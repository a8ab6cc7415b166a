#pragma once

#include <QSortFilterProxyModel>

#include <optional>

namespace dealscope::ui {

class ListingTableModel;

// Search, industry, state and price-range filters over the listings table. Reads the listings
// directly from the source model instead of going through data(), and compares numbers directly
// when sorting, so filtering and sorting 100k rows stay well under a frame budget per keystroke.
class ListingFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ListingFilterProxy(QObject *parent = nullptr);

    void setListingModel(ListingTableModel *model);

    void setSearchText(const QString &text);
    void setIndustry(const QString &industry);     // empty = all
    void setState(const QString &state);           // empty = all
    void setPriceRange(std::optional<qint64> min, std::optional<qint64> max);

    QString searchText() const { return m_search; }
    QString industry() const { return m_industry; }
    QString state() const { return m_state; }
    std::optional<qint64> minPrice() const { return m_minPrice; }
    std::optional<qint64> maxPrice() const { return m_maxPrice; }

    // Sorting is the source model's (see ListingTableModel::sortBy); the proxy only filters.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    void refilter();

    ListingTableModel *m_model = nullptr;
    QString m_search;
    QString m_industry;
    QString m_state;
    std::optional<qint64> m_minPrice;
    std::optional<qint64> m_maxPrice;
};

} // namespace dealscope::ui
