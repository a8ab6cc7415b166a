#pragma once

#include "export/ChartData.h"

#include <QChartView>

namespace dealscope::ui {

// The financing sensitivity as a heat map (issue 14 §5): DSCR by interest rate and down payment,
// each cell coloured by how it stands against the target DSCR (palette accent when it meets it,
// warning below, critical below 1), its value in the tooltip and the description.
class SensitivityHeatMap final : public QChartView
{
    Q_OBJECT
public:
    explicit SensitivityHeatMap(QWidget *parent = nullptr);

    void setData(const ChartData::Sensitivity &sensitivity, double targetDscr);
    int cellCount() const { return m_cells; }
    QString description() const { return m_description; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuild();

    ChartData::Sensitivity m_data;
    double m_target = 1.25;
    int m_cells = 0;
    QString m_description;
};

} // namespace dealscope::ui
