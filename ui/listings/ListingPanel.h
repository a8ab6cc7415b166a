#pragma once

#include "domain/Listing.h"
#include "jobs/Job.h"

#include <QHash>
#include <QWidget>

#include <optional>

class QLabel;

namespace dealscope::ui {

class AnalysisRow;

// The selected listing's facts and one AnalysisRow per analysis type (issue 4 §2).
class ListingPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit ListingPanel(QWidget *parent = nullptr);

    void setListing(const std::optional<Listing> &listing);
    QString listingId() const { return m_listing ? m_listing->id : QString(); }
    void setRowState(const QString &analysisType, const std::optional<Job> &job, bool active, bool hasStoredResult);
    AnalysisRow *row(const QString &analysisType) const { return m_rows.value(analysisType); }

Q_SIGNALS:
    void startRequested(const QString &listingId, const QString &analysisType, bool force);
    void cancelRequested(const QString &listingId, const QString &analysisType);
    void viewRequested(const QString &listingId, const QString &analysisType);

private:
    std::optional<Listing> m_listing;
    QLabel *m_title;
    QLabel *m_facts;
    QHash<QString, AnalysisRow *> m_rows;
};

} // namespace dealscope::ui
