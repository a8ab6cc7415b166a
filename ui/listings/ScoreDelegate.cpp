#include "ui/listings/ScoreDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

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

    QStyleOptionProgressBar bar;
    bar.initFrom(option.widget);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 100;
    bar.progress = qBound(0, qRound(value), 100);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.palette = option.palette;
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
}

} // namespace dealscope::ui
