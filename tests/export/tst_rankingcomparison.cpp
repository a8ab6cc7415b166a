// The market-scan ranking and the side-by-side comparison over real engine results, including
// listings whose figures are missing.
#include "ExportFixture.h"
#include "export/Comparison.h"
#include "export/MarketRanking.h"
#include "export/ResultFigures.h"

#include <QTest>

using namespace dealscope;
using namespace dealscope::testing;
using namespace Qt::Literals::StringLiterals;

class TestRankingComparison final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    ResultsLibrary m_library;
    QList<StoredResult> m_results; // L1 good, L2 expensive, L3 missing price and cash flow

    const StoredResult &of(const QString &listingId) const
    {
        for (const StoredResult &r : m_results)
            if (r.listingId == listingId)
                return r;
        qFatal("no result");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_library.open(m_dir.filePath(u"results.sqlite"_s)));
        m_results = storeResults(m_library,
            { exportListing(u"L1"_s, u"Cheap Wash"_s, 600'000, 900'000, 300'000),
                exportListing(u"L2"_s, u"Pricey Wash"_s, 3'000'000, 900'000, 300'000),
                exportListing(u"L3"_s, u"Mystery Salon"_s, std::nullopt, 250'000, std::nullopt, u"Beauty Salons"_s) },
            u"valuation"_s);
        QCOMPARE(m_results.size(), 3);
    }

    void rankingPutsTheBestFirstAndUnknownsLast()
    {
        QList<RankedListing> ranking;
        for (const StoredResult &r : m_results)
            ranking << MarketRanking::fromResult(r.jobId, r.analysisType, ResultFigures::resultOf(r), r.listing);
        RankedListing failed;
        failed.listingId = u"L9"_s;
        failed.error = u"canceled by user"_s;
        ranking.prepend(failed);
        MarketRanking::sort(ranking);
        QCOMPARE(ranking.at(0).listingId, u"L1"_s);
        QCOMPARE(ranking.at(1).listingId, u"L2"_s);
        QCOMPARE(ranking.last().listingId, u"L9"_s);
        QVERIFY(*ranking.at(0).score >= *ranking.at(1).score);
        // L1: 2× SDE against the sector; L2: 10×: L2's premium is higher.
        QVERIFY(*ranking.at(0).askingPremium < *ranking.at(1).askingPremium);
        QVERIFY(ranking.at(0).dscr && ranking.at(0).maxPriceAtTargetDscr);
        const RankedListing &mystery = ranking.at(2);
        QCOMPARE(mystery.listingId, u"L3"_s);
        QVERIFY(!mystery.dscr);
        QVERIFY(!mystery.maxPriceAtTargetDscr);
        QVERIFY(!mystery.askingPremium);

        const QString table = MarketRanking::table(ranking);
        const QStringList lines = table.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5);
        QVERIFY(lines.at(0).contains(u"premium vs sector"_s));
        QVERIFY(lines.at(1).startsWith(u"1  L1"_s));
        QVERIFY(lines.at(2).startsWith(u"2  L2"_s));
        QVERIFY(lines.at(4).contains(u"canceled by user"_s));
    }

    void comparisonMarksTheBetterValueAndSkipsMissingFigures()
    {
        const auto compared = [&](const QString &id) {
            const StoredResult &r = of(id);
            return ComparedListing { r.listingId, ResultFigures::titleOf(r), r.listing, ResultFigures::resultOf(r) };
        };
        const QList<ComparisonRow> rows = Comparison::rows({ compared(u"L1"_s), compared(u"L2"_s), compared(u"L3"_s) });
        const auto row = [&](const QString &label) {
            for (const ComparisonRow &r : rows)
                if (r.label == label)
                    return r;
            qFatal("no row");
        };
        for (const ComparisonRow &r : rows)
            QCOMPARE(r.cells.size(), 3);
        // Asking price: lower is better; L3's is unknown and is neither shown as a number nor marked.
        const ComparisonRow asking = row(u"Asking price"_s);
        QCOMPARE(asking.cells, (QStringList { u"$600,000"_s, u"$3,000,000"_s, u"—"_s }));
        QCOMPARE(asking.best, QList<int> { 0 });
        // DSCR: higher is better.
        QCOMPARE(row(u"DSCR"_s).best, QList<int> { 0 });
        QCOMPARE(row(u"DSCR"_s).cells.at(2), u"—"_s);
        QCOMPARE(row(u"SDE multiple"_s).best, QList<int> { 0 });
        // Equal values everywhere known: nothing is better.
        QVERIFY(row(u"Cash flow (SDE)"_s).best.isEmpty());
        QCOMPARE(row(u"Gross revenue"_s).best, (QList<int> { 0, 1 })); // a tie shares the mark
        // Only one known value: no mark.
        const auto only = Comparison::rows({ compared(u"L3"_s), compared(u"L3"_s) });
        for (const ComparisonRow &r : only) {
            if (r.label == u"DSCR"_s)
                QVERIFY(r.best.isEmpty());
        }
        QVERIFY(row(u"Valuation range"_s).cells.at(0).contains(u" – "_s));
        QVERIFY(!row(u"Findings"_s).cells.at(2).isEmpty());
        // A listing without any result (never analysed) compares as unknowns, not as zeros.
        const auto bare = Comparison::rows({ compared(u"L1"_s), ComparedListing { u"X"_s, u"Bare"_s, {}, {} } });
        for (const ComparisonRow &r : bare) {
            QCOMPARE(r.cells.at(1), u"—"_s);
            QVERIFY(r.best.isEmpty());
        }
    }
};

QTEST_GUILESS_MAIN(TestRankingComparison)
#include "tst_rankingcomparison.moc"
