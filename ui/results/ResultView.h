#pragma once

#include <QTabWidget>

#include <nlohmann/json.hpp>

class QPlainTextEdit;
class QTextBrowser;

namespace dealscope::ui {

// An analysis result rendered for reading (issue 4 §3): score and its explanation, summary,
// metrics with units, valuation range, sensitivity grid, findings coloured by severity, the
// benchmark and its source, missing inputs; the raw JSON on a second tab. Colours come from the
// palette and are re-derived when it changes (light/dark).
class ResultView final : public QTabWidget
{
    Q_OBJECT
public:
    explicit ResultView(QWidget *parent = nullptr);

    // `result` is the job's result object; `heading` names the listing and analysis.
    void showResult(const nlohmann::json &result, const QString &heading);
    void showMessage(const QString &text);
    void clear();

    QString reportText() const; // the rendered report as plain text (what the user reads)
    QString reportHtml() const { return m_html; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void rerender();

    QTextBrowser *m_report;
    QPlainTextEdit *m_raw;
    nlohmann::json m_result;
    QString m_heading;
    QString m_html;
};

} // namespace dealscope::ui
