#include "export/ReportHtml.h"

#include "export/Format.h"
#include "export/ResultFigures.h"

#include <QObject>

#include <set>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString str(const nlohmann::json &j)
{
    if (j.is_string())
        return QString::fromStdString(j.get<std::string>());
    if (j.is_null())
        return u"—"_s;
    return QString::fromStdString(j.dump());
}

QString key(const std::string &k)
{
    return QString::fromStdString(k);
}

const std::set<std::string> kCommonKeys
    = { "metrics", "benchmark", "findings", "score", "scoreExplanation", "summary", "engine", "missingInputs", "usage",
          "promptVersion", "analysisType", "listingId", "generatedAt", "params", "asOfYear" };

bool isNumberArray(const nlohmann::json &j)
{
    if (!j.is_array() || j.empty())
        return false;
    for (const auto &v : j)
        if (!v.is_number())
            return false;
    return true;
}

// `context` names the object, so a bare "value" is formatted with its owner's unit.
QString keyValueRows(const nlohmann::json &obj, const QString &context = {})
{
    QString rows;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const QString k = key(it.key());
        const QString unitKey = k == u"value"_s && !context.isEmpty() ? context : k;
        QString value;
        if (it->is_object() && it->contains("low") && it->contains("high"))
            value = formatMetric(unitKey, (*it)["low"]) + u" – "_s + formatMetric(unitKey, (*it)["high"]);
        else if (it->is_array() || it->is_object())
            continue; // nested structures get their own block
        else
            value = formatMetric(unitKey, *it);
        rows += u"<tr><td>%1</td><td align=right><b>%2</b></td></tr>"_s.arg(esc(humanizeKey(k)), esc(value));
    }
    return rows.isEmpty() ? QString() : u"<table cellpadding=3>"_s + rows + u"</table>"_s;
}

// Interest rate × down payment → DSCR. Accepts the shapes an engine would reasonably emit:
// {interestRates:[…], downPaymentPcts:[…], dscr:[[…]]} or a list of {interestRate, downPaymentPct, dscr}.
QString sensitivityGrid(const nlohmann::json &s)
{
    std::vector<double> rates, downs;
    std::vector<std::vector<nlohmann::json>> cells;
    auto findArray
        = [&](const nlohmann::json &obj, std::initializer_list<const char *> names) -> const nlohmann::json * {
        for (const char *n : names)
            if (auto it = obj.find(n); it != obj.end() && it->is_array())
                return &*it;
        return nullptr;
    };
    if (s.is_object()) {
        const auto *r = findArray(s, { "interestRates", "rates", "rows" });
        const auto *d = findArray(s, { "downPaymentPcts", "downPayments", "downPaymentPct", "columns" });
        const auto *g = findArray(s, { "dscr", "grid", "values", "cells" });
        if (!r || !d || !g || !isNumberArray(*r) || !isNumberArray(*d))
            return {};
        for (const auto &v : *r)
            rates.push_back(v.get<double>());
        for (const auto &v : *d)
            downs.push_back(v.get<double>());
        for (const auto &row : *g) {
            if (!row.is_array())
                return {};
            cells.emplace_back(row.begin(), row.end());
        }
    } else if (s.is_array()) {
        for (const auto &c : s) {
            if (!c.is_object() || !c.contains("interestRate") || !c.contains("downPaymentPct"))
                return {};
            const double r = c["interestRate"].get<double>();
            const double d = c["downPaymentPct"].get<double>();
            if (std::find(rates.begin(), rates.end(), r) == rates.end())
                rates.push_back(r);
            if (std::find(downs.begin(), downs.end(), d) == downs.end())
                downs.push_back(d);
        }
        cells.assign(rates.size(), std::vector<nlohmann::json>(downs.size()));
        for (const auto &c : s) {
            const auto ri = std::find(rates.begin(), rates.end(), c["interestRate"].get<double>()) - rates.begin();
            const auto di = std::find(downs.begin(), downs.end(), c["downPaymentPct"].get<double>()) - downs.begin();
            cells[size_t(ri)][size_t(di)] = c.value("dscr", nlohmann::json());
        }
    } else {
        return {};
    }
    QString html
        = u"<table border=1 cellspacing=0 cellpadding=4><tr><th>%1</th>"_s.arg(QObject::tr("Rate \\ Down payment"));
    for (double d : downs)
        html += u"<th>%1</th>"_s.arg(formatPercent(d));
    html += u"</tr>"_s;
    for (size_t i = 0; i < rates.size(); ++i) {
        html += u"<tr><th>%1</th>"_s.arg(formatPercent(rates[i]));
        for (size_t k = 0; k < downs.size(); ++k) {
            const nlohmann::json v = i < cells.size() && k < cells[i].size() ? cells[i][k] : nlohmann::json();
            html += u"<td align=right>%1</td>"_s.arg(v.is_number() ? QString::number(v.get<double>(), 'f', 2) : u"—"_s);
        }
        html += u"</tr>"_s;
    }
    return html + u"</table>"_s;
}

QString tableOfObjects(const nlohmann::json &arr)
{
    QStringList columns;
    for (const auto &row : arr) {
        if (!row.is_object())
            return {};
        for (auto it = row.begin(); it != row.end(); ++it)
            if (!columns.contains(key(it.key())) && !it->is_structured())
                columns << key(it.key());
    }
    QString html = u"<table border=1 cellspacing=0 cellpadding=4><tr>"_s;
    for (const QString &c : columns)
        html += u"<th>%1</th>"_s.arg(esc(humanizeKey(c)));
    html += u"</tr>"_s;
    for (const auto &row : arr) {
        html += u"<tr>"_s;
        for (const QString &c : columns) {
            const auto it = row.find(c.toStdString());
            html += u"<td>%1</td>"_s.arg(esc(it == row.end() ? u"—"_s : formatMetric(c, *it)));
        }
        html += u"</tr>"_s;
    }
    return html + u"</table>"_s;
}

QString renderSection(const QString &name, const nlohmann::json &value, int depth)
{
    const QString heading = depth == 0 ? u"<h3>%1</h3>"_s : u"<p><b>%1</b></p>"_s;
    QString html = heading.arg(esc(humanizeKey(name)));
    if (name.contains(u"sensitivity"_s, Qt::CaseInsensitive)) {
        const QString grid = sensitivityGrid(value);
        if (!grid.isEmpty())
            return html + u"<p>%1</p>"_s.arg(QObject::tr("DSCR by interest rate (rows) and down payment (columns)"))
                + grid;
    }
    if (value.is_object()) {
        if (value.contains("low") && value.contains("high")) {
            return html
                + u"<p>%1 – %2</p>"_s.arg(
                    esc(formatMetric(name, value["low"])), esc(formatMetric(name, value["high"])));
        }
        html += keyValueRows(value, name);
        if (depth < 3) {
            for (auto it = value.begin(); it != value.end(); ++it) {
                const bool range = it->is_object() && it->contains("low") && it->contains("high");
                if (it->is_structured() && !range)
                    html += renderSection(key(it.key()), *it, depth + 1);
            }
        }
        return html;
    }
    if (value.is_array()) {
        if (value.empty())
            return html + u"<p>—</p>"_s;
        const QString table = tableOfObjects(value);
        if (!table.isEmpty())
            return html + table;
        html += u"<ul>"_s;
        for (const auto &v : value)
            html += u"<li>%1</li>"_s.arg(esc(v.is_number() ? formatMetric(name, v) : str(v)));
        return html + u"</ul>"_s;
    }
    return html + u"<p>%1</p>"_s.arg(esc(formatMetric(name, value)));
}

} // namespace

QString ReportHtml::render(const nlohmann::json &result, const QString &heading, const QPalette &palette)
{
    if (!result.is_object())
        return u"<p>%1</p>"_s.arg(esc(QObject::tr("This result is not an object and cannot be shown.")));
    QString html = u"<h2>%1</h2>"_s.arg(esc(heading));

    if (auto it = result.find("score"); it != result.end() && it->is_number()) {
        html += u"<p style='font-size:large'><b>%1</b></p>"_s.arg(
            esc(QObject::tr("Score %1 / 100").arg(QString::number(it->get<double>(), 'f', 0))));
        if (auto e = result.find("scoreExplanation"); e != result.end() && e->is_string())
            html += u"<p>%1</p>"_s.arg(esc(str(*e)));
    }
    if (auto it = result.find("summary"); it != result.end() && it->is_string())
        html += u"<h3>%1</h3><p>%2</p>"_s.arg(esc(QObject::tr("Summary")), esc(str(*it)));

    if (auto it = result.find("metrics"); it != result.end() && it->is_object()) {
        html += u"<h3>%1</h3><table cellpadding=3>"_s.arg(esc(QObject::tr("Metrics")));
        // Metrics in reading order; anything else the engine adds follows in its own order.
        QStringList keys;
        for (const QString &k : ResultFigures::metricKeys())
            if (it->contains(k.toStdString()))
                keys << k;
        for (auto m = it->begin(); m != it->end(); ++m)
            if (!keys.contains(key(m.key())) && !m->is_structured())
                keys << key(m.key());
        for (const QString &k : std::as_const(keys))
            html += u"<tr><td>%1</td><td align=right><b>%2</b></td></tr>"_s.arg(
                esc(humanizeKey(k)), esc(formatMetric(k, (*it)[k.toStdString()])));
        html += u"</table>"_s;
    }

    // Type-specific parts (valuation, risk, market) in the engine's order.
    for (auto it = result.begin(); it != result.end(); ++it) {
        if (kCommonKeys.count(it.key()))
            continue;
        html += renderSection(key(it.key()), *it, 0);
    }

    if (auto it = result.find("findings"); it != result.end() && it->is_array()) {
        html += u"<h3>%1</h3>"_s.arg(esc(QObject::tr("Findings")));
        if (it->empty())
            html += u"<p>%1</p>"_s.arg(esc(QObject::tr("No findings.")));
        html += u"<table cellpadding=3>"_s;
        for (const auto &f : *it) {
            if (!f.is_object())
                continue;
            const QString severity = f.contains("severity") ? str(f["severity"]) : u"info"_s;
            const QColor color = severityColor(palette, severity);
            html += u"<tr><td><b><font color='%1'>%2</font></b></td><td>%3</td></tr>"_s.arg(color.name(),
                esc(severity.toUpper()),
                esc(f.contains("message") ? str(f["message"]) : str(f.value("code", nlohmann::json()))));
        }
        html += u"</table>"_s;
    }

    if (auto it = result.find("benchmark"); it != result.end() && it->is_object()) {
        html += u"<h3>%1</h3>"_s.arg(esc(QObject::tr("Benchmark")));
        nlohmann::json shown = *it;
        const QString source = shown.contains("source") ? str(shown["source"]) : QString();
        shown.erase("source");
        html += keyValueRows(shown);
        if (!source.isEmpty())
            html += u"<p><i>%1</i> %2</p>"_s.arg(esc(QObject::tr("Source:")), esc(source));
        html += u"<p><small>%1</small></p>"_s.arg(esc(
            QObject::tr("Sector and industry multiples are a secondary source: published averages of other businesses' "
                        "sales, not comparable sales of this one.")));
    }

    if (auto it = result.find("missingInputs"); it != result.end() && it->is_array()) {
        html += u"<h3>%1</h3>"_s.arg(esc(QObject::tr("Missing inputs")));
        if (it->empty()) {
            html += u"<p>%1</p>"_s.arg(esc(QObject::tr("None — every input was known.")));
        } else {
            QStringList names;
            for (const auto &m : *it)
                names << humanizeKey(str(m));
            html += u"<p>%1</p>"_s.arg(esc(names.join(u", "_s)));
        }
    }
    if (auto it = result.find("engine"); it != result.end() && it->is_string())
        html += u"<p><small>%1 %2</small></p>"_s.arg(esc(QObject::tr("Engine:")), esc(str(*it)));
    return html;
}

} // namespace dealscope
