#pragma once

#include <QStyledItemDelegate>

namespace dealscope::ui {

// Paints a flat progress bar in palette colours: the mean progress while analyses run, the score
// (0–100) once one finished, plain text otherwise.
// Reads roles only, so it serves the listings table (ActiveRole/ProgressRole/ScoreRole) and the
// jobs table (progress as a number in Qt::EditRole plus display text).
class ScoreDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    struct Roles
    {
        int active = -1; // int > 0 while running; -1 when the model has no such role
        int progress = -1; // 0..100 while running
        int score = -1; // 0..100 when done
    };

    explicit ScoreDelegate(Roles roles, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    Roles m_roles;
};

} // namespace dealscope::ui
