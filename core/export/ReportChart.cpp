#include "export/ReportChart.h"

#include "export/Format.h"
#include "export/ResultFigures.h"

#include <QCoreApplication>
#include <QPainter>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ReportChart {

QImage multiples(const nlohmann::json &result, const QPalette &palette, QSize size)
{
    struct Pair
    {
        QString label;
        std::optional<double> listing;
        std::optional<double> benchmark;
    };
    const nlohmann::json benchmark
        = result.is_object() && result.contains("benchmark") ? result["benchmark"] : nlohmann::json();
    const QList<Pair> pairs {
        { QCoreApplication::translate("dealscope::ReportChart", "SDE multiple"),
            ResultFigures::metric(result, u"sdeMultiple"_s), ResultFigures::number(benchmark, "sdeMultiple") },
        { QCoreApplication::translate("dealscope::ReportChart", "Revenue multiple"),
            ResultFigures::metric(result, u"revenueMultiple"_s), ResultFigures::number(benchmark, "revenueMultiple") },
    };
    double top = 0;
    for (const Pair &p : pairs)
        top = std::max({ top, p.listing.value_or(0), p.benchmark.value_or(0) });
    if (top <= 0)
        return {};
    top *= 1.15;

    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(palette.color(QPalette::Base));
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    QFont font = painter.font();
    font.setPixelSize(std::max(12, size.height() / 18));
    painter.setFont(font);
    const QColor text = palette.color(QPalette::Text);
    const QColor ours = palette.color(QPalette::Highlight);
    QColor theirs = palette.color(QPalette::Mid);
    const int legendHeight = font.pixelSize() * 2;
    const QRect plot(60, legendHeight + 10, size.width() - 80, size.height() - legendHeight - 60);
    painter.setPen(text);
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.drawLine(plot.bottomLeft(), plot.topLeft());

    const int groupWidth = plot.width() / int(pairs.size());
    const int barWidth = groupWidth / 4;
    for (int i = 0; i < pairs.size(); ++i) {
        const Pair &p = pairs.at(i);
        const int x0 = plot.left() + i * groupWidth + groupWidth / 2 - barWidth - 4;
        const auto bar = [&](std::optional<double> value, int x, const QColor &color) {
            if (!value)
                return;
            const int h = int(plot.height() * (*value / top));
            const QRect r(x, plot.bottom() - h, barWidth, h);
            painter.fillRect(r, color);
            painter.setPen(text);
            painter.drawText(QRect(x - 20, r.top() - font.pixelSize() - 6, barWidth + 40, font.pixelSize() + 4),
                Qt::AlignCenter, formatMultiple(*value));
        };
        bar(p.listing, x0, ours);
        bar(p.benchmark, x0 + barWidth + 8, theirs);
        painter.drawText(QRect(plot.left() + i * groupWidth, plot.bottom() + 8, groupWidth, font.pixelSize() + 8),
            Qt::AlignCenter, p.label);
    }
    // Legend: this listing, the sector benchmark.
    const int sw = font.pixelSize();
    painter.fillRect(QRect(plot.left(), 6, sw, sw), ours);
    painter.drawText(
        QPoint(plot.left() + sw + 6, 6 + sw), QCoreApplication::translate("dealscope::ReportChart", "This listing"));
    const int second = plot.left() + plot.width() / 3;
    painter.fillRect(QRect(second, 6, sw, sw), theirs);
    painter.drawText(
        QPoint(second + sw + 6, 6 + sw), QCoreApplication::translate("dealscope::ReportChart", "Sector benchmark"));
    return image;
}

} // namespace dealscope::ReportChart
