#pragma once

#include "export/MarketRanking.h"

#include <QChartView>

namespace dealscope::ui {

// The market scan as a scatter (issue 14 §5): each analysed listing at its asking premium vs
// the sector (x) and score (y), in the accent colour when its DSCR meets the target and the
// warning colour when it does not or is unknown. Hovering a point names the listing.
// Qt Charts draws each marker as a graphics item of its own (about 0.16 ms each on the GUI
// thread), so a large scan shows its best-scored kMaxPoints listings, and the title says so.
class ScanScatterChart final : public QChartView
{
    Q_OBJECT
public:
    explicit ScanScatterChart(QWidget *parent = nullptr);

    void setRanking(const QList<RankedListing> &ranking, double targetDscr = 1.25);
    int pointCount() const { return m_points; }
    // Points drawn at most; setRanking() takes the ranking best first (MarketRanking::sort).
    static constexpr int kMaxPoints = 400;
    QString title() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuild();

    QList<RankedListing> m_ranking;
    double m_target = 1.25;
    int m_points = 0;
};

} // namespace dealscope::ui
