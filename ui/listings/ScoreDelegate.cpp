#include "ui/listings/ScoreDelegate.h"

#include <QApplication>
#include <QPainter>

namespace dealscope::ui {

ScoreDelegate::ScoreDelegate(Roles roles, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_roles(roles)
{ }

void ScoreDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const bool active = m_roles.active >= 0 && index.data(m_roles.active).toInt() > 0;
    double value = -1;
    if (active && m_roles.progress >= 0)
        value = index.data(m_roles.progress).toDouble();
    else if (m_roles.score >= 0) {
        const QVariant s = index.data(m_roles.score);
        if (s.isValid())
            value = s.toDouble();
    }
    if (value < 0) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }

    // Selection background first, so the bar sits on the same background as the rest of the row.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    // A flat bar in palette colours rather than the style's progress bar: its gradients and
    // frames made most of a repaint of the listings table, which repaints many times a second
    // while analyses run.
    const QRect bar = option.rect.adjusted(3, 3, -3, -3);
    const bool selected = option.state & QStyle::State_Selected;
    painter->save();
    painter->setPen(option.palette.color(QPalette::Mid));
    painter->setBrush(Qt::NoBrush);
    painter->drawRect(bar.adjusted(0, 0, -1, -1));
    QRect filled = bar.adjusted(1, 1, -1, -1);
    filled.setWidth(qRound(filled.width() * qBound(0.0, value, 100.0) / 100.0));
    QColor fill = option.palette.color(QPalette::Highlight);
    fill.setAlpha(selected ? 200 : 110); // light enough for the text on it, in light and dark themes
    painter->fillRect(filled, fill);
    painter->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(bar, Qt::AlignCenter, index.data(Qt::DisplayRole).toString());
    painter->restore();
}

} // namespace dealscope::ui
