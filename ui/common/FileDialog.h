#pragma once

#include <QString>

class QWidget;

namespace dealscope::ui {

// The file dialogs of the window in one place, like KeePassXC's FileDialog: tests hand the next
// answer in advance (setNextFileName) instead of driving a native dialog they cannot reach.
class FileDialog final
{
public:
    static FileDialog &instance();

    // What the user chose, or empty when canceled. `selectedFilter` receives the chosen filter.
    QString getSaveFileName(QWidget *parent, const QString &caption, const QString &suggested, const QString &filters,
        QString *selectedFilter = nullptr);
    QString getOpenFileName(QWidget *parent, const QString &caption, const QString &filters);

    // The next dialog returns `fileName` at once (empty: as if canceled), then dialogs show again.
    void setNextFileName(const QString &fileName);
    // The name the last save dialog suggested (tests check it is a safe one).
    QString lastSuggested() const { return m_lastSuggested; }

private:
    FileDialog() = default;
    bool takeNext(QString &fileName);

    bool m_hasNext = false;
    QString m_next;
    QString m_lastSuggested;
};

} // namespace dealscope::ui
