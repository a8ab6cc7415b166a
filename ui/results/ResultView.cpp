#include "ui/results/ResultView.h"

#include "export/ReportHtml.h"

#include <QEvent>
#include <QPlainTextEdit>
#include <QTextBrowser>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {
QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}
} // namespace

ResultView::ResultView(QWidget *parent)
    : QTabWidget(parent)
{
    setObjectName(u"resultView"_s);
    m_report = new QTextBrowser(this);
    m_report->setObjectName(u"resultReport"_s);
    m_report->setAccessibleName(tr("Analysis report"));
    m_report->setOpenExternalLinks(false);
    m_raw = new QPlainTextEdit(this);
    m_raw->setObjectName(u"resultRaw"_s);
    m_raw->setAccessibleName(tr("Raw result JSON"));
    m_raw->setReadOnly(true);
    m_raw->setLineWrapMode(QPlainTextEdit::NoWrap);
    addTab(m_report, tr("&Report"));
    addTab(m_raw, tr("Raw &JSON"));
    clear();
}

void ResultView::showResult(const nlohmann::json &result, const QString &heading)
{
    m_result = result;
    m_heading = heading;
    m_raw->setPlainText(QString::fromStdString(result.dump(2)));
    rerender();
}

void ResultView::showMessage(const QString &text)
{
    m_result = nlohmann::json();
    m_html = u"<p>%1</p>"_s.arg(esc(text));
    m_report->setHtml(m_html);
    m_raw->clear();
}

void ResultView::clear()
{
    showMessage(tr("Select a finished analysis to read its result."));
}

QString ResultView::reportText() const
{
    return m_report->toPlainText();
}

void ResultView::changeEvent(QEvent *event)
{
    QTabWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_result.is_null())
        rerender();
}

void ResultView::rerender()
{
    if (m_result.is_null())
        return;
    m_html = ReportHtml::render(m_result, m_heading, palette());
    m_report->setHtml(m_html);
}

} // namespace dealscope::ui
