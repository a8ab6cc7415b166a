#include "export/Comparison.h"

#include "export/Format.h"
#include "export/ResultFigures.h"

#include <QCoreApplication>

#include <functional>
#include <optional>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::Comparison {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("dealscope::Comparison", text);
}

enum class Better { Lower, Higher, None };

ComparisonRow numberRow(ComparisonRow::Section section, const QString &label, Better better,
    const QList<std::optional<double>> &values, const std::function<QString(double)> &format)
{
    ComparisonRow row;
    row.section = section;
    row.label = label;
    int known = 0;
    std::optional<double> bestValue;
    for (const auto &v : values) {
        row.cells << (v ? format(*v) : u"—"_s);
        if (!v)
            continue;
        ++known;
        if (!bestValue || (better == Better::Lower ? *v < *bestValue : *v > *bestValue))
            bestValue = v;
    }
    if (better == Better::None || known < 2)
        return row;
    for (int i = 0; i < values.size(); ++i) {
        if (values.at(i) && *values.at(i) == *bestValue)
            row.best << i;
    }
    if (row.best.size() == known)
        row.best.clear(); // all equal: nothing is better
    return row;
}

} // namespace

QString sectionName(ComparisonRow::Section section)
{
    switch (section) {
    case ComparisonRow::Section::Inputs:
        return tr("Inputs");
    case ComparisonRow::Section::Metrics:
        return tr("Metrics");
    case ComparisonRow::Section::Valuation:
        return tr("Valuation");
    case ComparisonRow::Section::Findings:
        return tr("Findings");
    }
    return {};
}

QList<ComparisonRow> rows(const QList<ComparedListing> &listings)
{
    using S = ComparisonRow::Section;
    QList<ComparisonRow> out;
    const auto money = [](double v) { return formatMoney(v); };
    const auto listingNumbers = [&](const char *key) {
        QList<std::optional<double>> v;
        for (const ComparedListing &l : listings)
            v << ResultFigures::number(l.listing, key);
        return v;
    };
    const auto metricNumbers = [&](const QString &key) {
        QList<std::optional<double>> v;
        for (const ComparedListing &l : listings) {
            auto m = ResultFigures::metric(l.result, key);
            v << m;
        }
        return v;
    };

    out << numberRow(S::Inputs, tr("Asking price"), Better::Lower, listingNumbers("askingPrice"), money);
    out << numberRow(S::Inputs, tr("Gross revenue"), Better::Higher, listingNumbers("grossRevenue"), money);
    out << numberRow(S::Inputs, tr("Cash flow (SDE)"), Better::Higher, listingNumbers("cashFlow"), money);
    out << numberRow(S::Inputs, tr("EBITDA"), Better::Higher, listingNumbers("ebitda"), money);
    out << numberRow(S::Inputs, tr("Established"), Better::Lower, listingNumbers("yearEstablished"),
        [](double v) { return QString::number(qint64(v)); });
    out << numberRow(S::Inputs, tr("Employees"), Better::None, listingNumbers("employees"),
        [](double v) { return QString::number(qint64(v)); });

    QList<std::optional<double>> scores;
    for (const ComparedListing &l : listings)
        scores << ResultFigures::score(l.result);
    out << numberRow(
        S::Metrics, tr("Score"), Better::Higher, scores, [](double v) { return QString::number(v, 'f', 0); });
    const QList<std::pair<QString, Better>> metrics {
        { u"sdeMultiple"_s, Better::Lower },
        { u"revenueMultiple"_s, Better::Lower },
        { u"cashFlowMargin"_s, Better::Higher },
        { u"loanAmount"_s, Better::None },
        { u"annualDebtService"_s, Better::Lower },
        { u"dscr"_s, Better::Higher },
        { u"maxPriceAtTargetDscr"_s, Better::Higher },
        { u"paybackYears"_s, Better::Lower },
        { u"businessAgeYears"_s, Better::Higher },
    };
    for (const auto &[key, better] : metrics) {
        out << numberRow(S::Metrics, humanizeKey(key), better, metricNumbers(key),
            [key](double v) { return formatMetric(key, nlohmann::json(v)); });
    }

    QList<std::optional<double>> premiums;
    ComparisonRow range;
    range.section = S::Valuation;
    range.label = tr("Valuation range");
    for (const ComparedListing &l : listings) {
        premiums << ResultFigures::askingPremium(l.result);
        const auto r = ResultFigures::valuationRange(l.result);
        range.cells << (r.low && r.high ? formatMoney(*r.low) + u" – "_s + formatMoney(*r.high) : u"—"_s);
    }
    out << range;
    out << numberRow(S::Valuation, tr("Asking premium vs sector"), Better::Lower, premiums,
        [](double v) { return formatPercent(v); });

    QList<std::optional<double>> serious;
    ComparisonRow list;
    list.section = S::Findings;
    list.label = tr("Findings");
    for (const ComparedListing &l : listings) {
        const auto it = l.result.is_object() ? l.result.find("findings") : l.result.end();
        if (!l.result.is_object() || it == l.result.end() || !it->is_array()) {
            serious << std::nullopt;
            list.cells << u"—"_s;
            continue;
        }
        int count = 0;
        QStringList lines;
        for (const auto &f : *it) {
            const QString severity = ResultFigures::text(f, "severity");
            count += severity == u"critical"_s || severity == u"warning"_s ? 1 : 0;
            QString message = ResultFigures::text(f, "message");
            if (message.isEmpty())
                message = ResultFigures::text(f, "code");
            lines << (severity.isEmpty() ? QString() : severity.toUpper() + u": "_s) + message;
        }
        serious << double(count);
        list.cells << (lines.isEmpty() ? tr("No findings.") : lines.join(u'\n'));
    }
    out << numberRow(S::Findings, tr("Critical and warning findings"), Better::Lower, serious,
        [](double v) { return QString::number(qint64(v)); });
    out << list;
    return out;
}

} // namespace dealscope::Comparison
