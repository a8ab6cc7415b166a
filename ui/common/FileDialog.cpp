#include "ui/common/FileDialog.h"

#include <QFileDialog>

namespace dealscope::ui {

FileDialog &FileDialog::instance()
{
    static FileDialog dialog;
    return dialog;
}

bool FileDialog::takeNext(QString &fileName)
{
    if (!m_hasNext)
        return false;
    m_hasNext = false;
    fileName = std::exchange(m_next, {});
    return true;
}

QString FileDialog::getSaveFileName(
    QWidget *parent, const QString &caption, const QString &suggested, const QString &filters, QString *selectedFilter)
{
    m_lastSuggested = suggested;
    if (QString next; takeNext(next))
        return next;
    return QFileDialog::getSaveFileName(parent, caption, suggested, filters, selectedFilter);
}

QString FileDialog::getOpenFileName(QWidget *parent, const QString &caption, const QString &filters)
{
    if (QString next; takeNext(next))
        return next;
    return QFileDialog::getOpenFileName(parent, caption, QString(), filters);
}

void FileDialog::setNextFileName(const QString &fileName)
{
    m_hasNext = true;
    m_next = fileName;
}

} // namespace dealscope::ui
