#include "export/MarketRanking.h"

#include "export/Format.h"
#include "export/ResultFigures.h"

#include <QCoreApplication>
#include <QStringList>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::MarketRanking {

RankedListing fromResult(
    const QString &jobId, const QString &analysisType, const nlohmann::json &result, const nlohmann::json &listing)
{
    RankedListing r;
    r.jobId = jobId;
    r.analysisType = analysisType;
    r.listingId = ResultFigures::text(listing, "id");
    if (r.listingId.isEmpty())
        r.listingId = ResultFigures::text(result, "listingId");
    r.title = ResultFigures::text(listing, "title");
    r.industry = ResultFigures::text(listing, "industry");
    r.state = ResultFigures::text(listing, "state");
    r.score = ResultFigures::score(result);
    r.askingPremium = ResultFigures::askingPremium(result);
    r.dscr = ResultFigures::metric(result, u"dscr"_s);
    r.maxPriceAtTargetDscr = ResultFigures::metric(result, u"maxPriceAtTargetDscr"_s);
    r.askingPrice = ResultFigures::metric(result, u"askingPrice"_s);
    if (!r.askingPrice)
        r.askingPrice = ResultFigures::number(listing, "askingPrice");
    return r;
}

void sort(QList<RankedListing> &ranking)
{
    std::stable_sort(ranking.begin(), ranking.end(), [](const RankedListing &a, const RankedListing &b) {
        const auto tier = [](const RankedListing &r) { return !r.hasResult() ? 2 : (r.score ? 0 : 1); };
        if (tier(a) != tier(b))
            return tier(a) < tier(b);
        if (a.score && b.score && *a.score != *b.score)
            return *a.score > *b.score;
        if (a.askingPremium && b.askingPremium)
            return *a.askingPremium < *b.askingPremium;
        return a.askingPremium.has_value() && !b.askingPremium.has_value();
    });
}

QString table(const QList<RankedListing> &ranking)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("dealscope::MarketRanking", text); };
    QList<QStringList> rows { { u"#"_s, tr("listing"), tr("title"), tr("score"), tr("premium vs sector"), tr("DSCR"),
        tr("max price at target DSCR") } };
    int rank = 0;
    for (const RankedListing &r : ranking) {
        QString title = r.title;
        if (title.size() > 40)
            title = title.left(39) + u"…"_s;
        if (!r.hasResult()) {
            rows.append({ u"-"_s, r.listingId, title, u"—"_s, r.error, QString(), QString() });
            continue;
        }
        rows.append({ QString::number(++rank), r.listingId, title, r.score ? QString::number(*r.score, 'f', 0) : u"—"_s,
            r.askingPremium ? formatPercent(*r.askingPremium) : u"—"_s,
            r.dscr ? QString::number(*r.dscr, 'f', 2) : u"—"_s,
            r.maxPriceAtTargetDscr ? formatMoney(*r.maxPriceAtTargetDscr) : u"—"_s });
    }
    QList<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList &row : rows)
        for (qsizetype c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row.at(c).size());
    QString out;
    for (const QStringList &row : rows) {
        QStringList cells;
        for (qsizetype c = 0; c < row.size(); ++c) {
            // Numbers right-aligned, text left.
            const bool right = c == 0 || c >= 3;
            cells << (right ? row.at(c).rightJustified(widths[c]) : row.at(c).leftJustified(widths[c]));
        }
        out += cells.join(u"  "_s).trimmed() + u'\n';
    }
    return out;
}

} // namespace dealscope::MarketRanking
