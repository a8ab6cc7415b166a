#pragma once

#include "export/MarketRanking.h"

#include <QChartView>

namespace dealscope::ui {

// The market scan as a scatter (issue 14 §5): each analysed listing at its asking premium vs
// the sector (x) and score (y), in the accent colour when its DSCR meets the target and the
// warning colour when it does not or is unknown. Hovering a point names the listing.
class ScanScatterChart final : public QChartView
{
    Q_OBJECT
public:
    explicit ScanScatterChart(QWidget *parent = nullptr);

    void setRanking(const QList<RankedListing> &ranking, double targetDscr = 1.25);
    int pointCount() const { return m_points; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuild();

    QList<RankedListing> m_ranking;
    double m_target = 1.25;
    int m_points = 0;
};

} // namespace dealscope::ui
