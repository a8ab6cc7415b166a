#pragma once

#include "export/ChartData.h"

#include <QChartView>

#include <nlohmann/json.hpp>

namespace dealscope::ui {

// A listing's SDE and revenue multiples against its sector (issue 14 §5): the spread of the
// sector's multiples among the loaded listings as box plots, the published benchmark, and this
// listing, in palette colours.
class MultiplesChart final : public QChartView
{
    Q_OBJECT
public:
    explicit MultiplesChart(QWidget *parent = nullptr);

    void setData(const nlohmann::json &result, const ChartData::SectorSpread &spread);
    // What is drawn, for tests and assistive technology: one line per series and value.
    QString description() const { return m_description; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuild();

    nlohmann::json m_result;
    ChartData::SectorSpread m_spread;
    QString m_description;
};

} // namespace dealscope::ui
