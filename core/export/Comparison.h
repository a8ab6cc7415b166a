#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace dealscope {

// One listing in a side-by-side comparison: its snapshot and its latest result (valuation when
// there is one: it has the range), either may be empty.
struct ComparedListing final
{
    QString listingId;
    QString title;
    nlohmann::json listing = nlohmann::json::object();
    nlohmann::json result = nlohmann::json::object();
};

// A row of the comparison: a label and one cell per listing; `best` lists the columns holding the
// better value (ties share it), empty when fewer than two values are known or the row has no
// better direction.
struct ComparisonRow final
{
    enum class Section { Inputs, Metrics, Valuation, Findings };
    Section section = Section::Inputs;
    QString label;
    QStringList cells; // "—" where unknown
    QList<int> best;
};

// Compares two to four listings (issue 14 §4): inputs, metrics, valuation ranges and findings.
// Lower is better for prices, multiples, debt service, payback and the asking premium; higher
// for revenue, cash flow, margin, DSCR, the price the debt supports, age and score; fewer
// critical and warning findings is better.
namespace Comparison {
QList<ComparisonRow> rows(const QList<ComparedListing> &listings);
QString sectionName(ComparisonRow::Section section);
} // namespace Comparison

} // namespace dealscope
