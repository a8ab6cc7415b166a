// ListingFilterProxy on the real ListingTableModel: sorting and filtering computed on its worker
// and applied on this thread; superseded requests discarded; persistent indexes follow their rows.
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingTableModel.h"

#include <QSignalSpy>
#include <QTest>

using namespace dealscope;
using namespace dealscope::ui;
using namespace Qt::Literals::StringLiterals;

namespace {

Listing make(const QString &id, const QString &title, std::optional<qint64> asking, const QString &state = u"TX"_s)
{
    Listing l;
    l.id = id;
    l.title = title;
    l.askingPrice = asking;
    l.state = state;
    l.industry = u"Retail"_s;
    l.location = u"Somewhere, "_s + state;
    return l;
}

QStringList shownIds(const QAbstractItemModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.index(r, ListingTableModel::ColId).data().toString();
    return out;
}

} // namespace

class TestListingFilterProxy final : public QObject
{
    Q_OBJECT

    std::unique_ptr<ListingTableModel> m_model;
    std::unique_ptr<ListingFilterProxy> m_proxy;

    bool settle()
    {
        return QTest::qWaitFor([&] { return !m_proxy->isPending(); }, 10000);
    }

private Q_SLOTS:
    void init()
    {
        m_model = std::make_unique<ListingTableModel>();
        m_proxy = std::make_unique<ListingFilterProxy>();
        m_proxy->setListingModel(m_model.get());
        m_model->setListings({ make(u"A"_s, u"delta"_s, 300), make(u"B"_s, u"Alpha"_s, std::nullopt),
            make(u"C"_s, u"charlie"_s, 100, u"CO"_s), make(u"D"_s, u"bravo"_s, 300),
            make(u"E"_s, u"Echo"_s, 200, u"CO"_s) });
    }

    void cleanup()
    {
        m_proxy.reset();
        m_model.reset();
    }

    void unsortedAndUnfilteredIsTheSourceOrderAtOnce()
    {
        QVERIFY(!m_proxy->isPending());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"A"_s, u"B"_s, u"C"_s, u"D"_s, u"E"_s }));
        for (int r = 0; r < m_model->rowCount(); ++r) {
            const QModelIndex src = m_model->index(r, 1);
            QCOMPARE(m_proxy->mapToSource(m_proxy->mapFromSource(src)), src);
        }
    }

    void sortsNumbersWithUnknownsLastAndTiesStable()
    {
        m_proxy->sort(ListingTableModel::ColAsking, Qt::AscendingOrder);
        QVERIFY(m_proxy->isPending());
        QCOMPARE(m_proxy->rowCount(), 5); // the old rows stay until the new order lands
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"C"_s, u"E"_s, u"A"_s, u"D"_s, u"B"_s }));
        m_proxy->sort(ListingTableModel::ColAsking, Qt::DescendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"A"_s, u"D"_s, u"E"_s, u"C"_s, u"B"_s }));
        m_proxy->sort(-1);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"A"_s, u"B"_s, u"C"_s, u"D"_s, u"E"_s }));
        m_proxy->sort(99); // no such column: ignored
        QVERIFY(!m_proxy->isPending());
        QCOMPARE(m_proxy->sortColumn(), -1);
    }

    void sortsTextCaseInsensitively()
    {
        m_proxy->sort(ListingTableModel::ColTitle, Qt::AscendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"B"_s, u"D"_s, u"C"_s, u"A"_s, u"E"_s }));
        m_proxy->sort(ListingTableModel::ColTitle, Qt::DescendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"E"_s, u"A"_s, u"C"_s, u"D"_s, u"B"_s }));
    }

    void aSupersededRequestIsNeverShown()
    {
        QSignalSpy applied(m_proxy.get(), &ListingFilterProxy::mappingApplied);
        QSignalSpy layouts(m_proxy.get(), &QAbstractItemModel::layoutChanged);
        // Three requests before the event loop runs: only the last one's result may be applied.
        m_proxy->sort(ListingTableModel::ColTitle, Qt::AscendingOrder);
        m_proxy->setState(u"CO"_s);
        m_proxy->sort(ListingTableModel::ColAsking, Qt::DescendingOrder);
        QVERIFY(settle());
        // Whatever the worker still computed is posted by now; delivered, it must change nothing.
        m_proxy->waitForWorker();
        QCoreApplication::sendPostedEvents();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(layouts.size(), 1);
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"E"_s, u"C"_s }));
    }

    void aStaleSortIsNotReusedForAnotherColumn()
    {
        m_proxy->setState(u"TX"_s);
        QVERIFY(settle());
        // The title sort finishes and is posted, then "unsorted" supersedes it before the posted
        // result is handled: that order must not be remembered as the unsorted one.
        m_proxy->sort(ListingTableModel::ColTitle, Qt::AscendingOrder);
        m_proxy->waitForWorker();
        m_proxy->sort(-1);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"A"_s, u"B"_s, u"D"_s }));
        m_proxy->setSearchText(u"a"_s); // filters again, reusing whatever order is remembered
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"A"_s, u"B"_s, u"D"_s }));
        m_proxy->sort(ListingTableModel::ColTitle, Qt::AscendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"B"_s, u"D"_s, u"A"_s }));
    }

    void filtersCombineAndApplyToTheSortedRows()
    {
        m_proxy->sort(ListingTableModel::ColTitle, Qt::AscendingOrder);
        m_proxy->setState(u"TX"_s);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"B"_s, u"D"_s, u"A"_s }));
        m_proxy->setPriceRange(250, std::nullopt); // a price filter drops unknown prices
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"D"_s, u"A"_s }));
        m_proxy->setSearchText(u"  DEL "_s); // trimmed, case-insensitive
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), QStringList { u"A"_s });
        m_proxy->setSearchText(u"%_(*"_s);
        QVERIFY(settle());
        QCOMPARE(m_proxy->rowCount(), 0);
        QVERIFY(!m_proxy->index(0, 0).isValid());
        QVERIFY(!m_proxy->mapFromSource(m_model->index(0, 0)).isValid());
        m_proxy->setSearchText({});
        m_proxy->setPriceRange(std::nullopt, std::nullopt);
        m_proxy->setState({});
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"B"_s, u"D"_s, u"C"_s, u"A"_s, u"E"_s }));
    }

    void searchFollowsChangedListingsAndNeverSpansTwoFields()
    {
        m_proxy->setSearchText(u"DELTA"_s);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), QStringList { u"A"_s });
        // Title "delta" then id "A": "aa" is in neither field, so it must not match across them.
        m_proxy->setSearchText(u"aa"_s);
        QVERIFY(settle());
        QCOMPARE(m_proxy->rowCount(), 0);
        m_proxy->setSearchText(u"ta\nA"_s); // a pasted line break is just text
        QVERIFY(settle());
        QCOMPARE(m_proxy->rowCount(), 0);
        // The listing is renamed by an import: the searchable text follows.
        QVERIFY(m_model->applyMerge(ListingMerge::plan(m_model->snapshot(), { make(u"A"_s, u"Zulu"_s, 300) })));
        m_proxy->setSearchText(u"delta"_s);
        QVERIFY(settle());
        QCOMPARE(m_proxy->rowCount(), 0);
        m_proxy->setSearchText(u"zUL"_s);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), QStringList { u"A"_s });
        m_proxy->setSearchText(u"co"_s); // location "Somewhere, CO" of C and E
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"C"_s, u"E"_s }));
    }

    void changedListingsArePendingUntilTheRefreshPlacesThem()
    {
        m_proxy->setSearchText(u"zulu"_s);
        QVERIFY(settle());
        QCOMPARE(m_proxy->rowCount(), 0);
        // An import renames A without adding rows: until the refresh has run, the proxy says it is
        // not up to date, and a result computed before the change is never shown.
        QSignalSpy applied(m_proxy.get(), &ListingFilterProxy::mappingApplied);
        m_proxy->setSearchText(u"zul"_s); // in flight on the worker, over the old titles
        QVERIFY(m_model->applyMerge(ListingMerge::plan(m_model->snapshot(), { make(u"A"_s, u"Zulu"_s, 300) })));
        QVERIFY(m_proxy->isPending());
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), QStringList { u"A"_s });
        // Exactly one mapping reached the view: the one over the new titles.
        QCOMPARE(applied.count(), 1);
    }

    void persistentIndexesFollowTheirListing()
    {
        QPersistentModelIndex c = m_proxy->index(2, ListingTableModel::ColTitle); // C
        QPersistentModelIndex b = m_proxy->index(1, ListingTableModel::ColTitle); // B
        m_proxy->sort(ListingTableModel::ColAsking, Qt::AscendingOrder);
        QVERIFY(settle());
        QCOMPARE(c.row(), 0);
        QCOMPARE(c.column(), int(ListingTableModel::ColTitle));
        QCOMPARE(c.data().toString(), u"charlie"_s);
        QCOMPARE(b.row(), 4);
        m_proxy->setState(u"CO"_s); // B (TX) is filtered out
        QVERIFY(settle());
        QVERIFY(!b.isValid());
        QCOMPARE(c.data().toString(), u"charlie"_s);
    }

    void appendedAndUpdatedRowsArePlacedByTheSort()
    {
        m_proxy->sort(ListingTableModel::ColAsking, Qt::AscendingOrder);
        QVERIFY(settle());
        QSignalSpy resets(m_proxy.get(), &QAbstractItemModel::modelReset);
        // Appended while a request is computing: that request is superseded, the rows are placed.
        m_proxy->setState(u"TX"_s);
        auto plan = ListingMerge::plan(
            m_model->snapshot(), { make(u"F"_s, u"Foxtrot"_s, 50), make(u"A"_s, u"delta"_s, 900) });
        QCOMPARE(plan.added, 1);
        QCOMPARE(plan.updated, 1);
        QVERIFY(m_model->applyMerge(std::move(plan)));
        QCOMPARE(m_model->rowCount(), 6);
        QVERIFY(settle());
        QCOMPARE(resets.size(), 0);
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"F"_s, u"D"_s, u"A"_s, u"B"_s })); // A now 900
        // A plan made before another change is refused, leaving the model as it was.
        auto stale = ListingMerge::plan(m_model->snapshot(), { make(u"G"_s, u"Golf"_s, 1) });
        QVERIFY(m_model->applyMerge(ListingMerge::plan(m_model->snapshot(), { make(u"H"_s, u"Hotel"_s, 2) })));
        QVERIFY(!m_model->applyMerge(std::move(stale)));
        QCOMPARE(m_model->rowCount(), 7);
        QVERIFY(!m_model->find(u"G"_s));
    }

    void aSourceResetKeepsTheSortAndFilters()
    {
        m_proxy->sort(ListingTableModel::ColTitle, Qt::DescendingOrder);
        m_proxy->setState(u"CO"_s);
        QVERIFY(settle());
        m_model->setListings({ make(u"X"_s, u"xray"_s, 1, u"CO"_s), make(u"Y"_s, u"yankee"_s, 2, u"CO"_s),
            make(u"Z"_s, u"zulu"_s, 3, u"TX"_s) });
        QCOMPARE(m_proxy->rowCount(), 0); // nothing stale is shown meanwhile
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"Y"_s, u"X"_s }));
    }

    void scoreSortFollowsNewScores()
    {
        m_model->setScores({ { u"A"_s, 10 }, { u"B"_s, 90 }, { u"C"_s, 50 } });
        m_proxy->sort(ListingTableModel::ColScore, Qt::DescendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"B"_s, u"C"_s, u"A"_s, u"D"_s, u"E"_s }));
        ListingAnalysisStatus st;
        st.score = 99;
        m_model->setStatus(u"E"_s, st); // a finished analysis
        m_model->flushPendingChanges();
        QTRY_COMPARE(shownIds(*m_proxy), (QStringList { u"E"_s, u"B"_s, u"C"_s, u"A"_s, u"D"_s }));
        // Sorted by something else, score changes repaint the cell but do not re-sort.
        m_proxy->sort(ListingTableModel::ColId, Qt::AscendingOrder);
        QVERIFY(settle());
        QSignalSpy applied(m_proxy.get(), &ListingFilterProxy::mappingApplied);
        QSignalSpy changed(m_proxy.get(), &QAbstractItemModel::dataChanged);
        st.score = 1;
        m_model->setStatus(u"B"_s, st);
        m_model->flushPendingChanges();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 1); // B's row in the proxy
        QVERIFY(!m_proxy->isRefreshScheduled()); // no re-sort asked for
        QVERIFY(!m_proxy->isPending());
        m_proxy->waitForWorker();
        QCoreApplication::sendPostedEvents();
        QCOMPARE(applied.size(), 0);
        // Sorting by score again uses the scores of now, not an order remembered from before.
        m_proxy->sort(ListingTableModel::ColScore, Qt::DescendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"E"_s, u"C"_s, u"A"_s, u"B"_s, u"D"_s })); // B now 1
        m_proxy->sort(-1); // unsorted, unfiltered: applied at once, the score order stays remembered
        QVERIFY(!m_proxy->isPending());
        m_model->setScores({ { u"D"_s, 100.0 }, { u"A"_s, 0.0 } });
        m_proxy->sort(ListingTableModel::ColScore, Qt::DescendingOrder);
        QVERIFY(settle());
        QCOMPARE(shownIds(*m_proxy), (QStringList { u"D"_s, u"A"_s, u"B"_s, u"C"_s, u"E"_s }));
    }

    void scoreCellShowsRunningStateAndTheLatestScores()
    {
        const auto cell
            = [&](const QString &id) { return m_model->index(m_model->rowOf(id), ListingTableModel::ColScore); };
        QCOMPARE(cell(u"A"_s).data().toString(), u"—"_s);
        ListingAnalysisStatus st;
        st.active = 2;
        st.progress = 40.4;
        m_model->setStatus(u"A"_s, st);
        QCOMPARE(cell(u"A"_s).data().toString(), u"Running 40 %"_s);
        QCOMPARE(cell(u"A"_s).data(ListingTableModel::ActiveRole).toInt(), 2);
        st = m_model->status(u"A"_s);
        st.active = 0;
        st.score = 77;
        m_model->setStatus(u"A"_s, st);
        QCOMPARE(cell(u"A"_s).data().toString(), u"77"_s);
        QCOMPARE(*m_model->status(u"A"_s).score, 77.0);

        // The library's scores replace the known ones whole (a deleted result's score goes), with
        // one signal for the column however many there are.
        QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
        m_model->setScores({ { u"B"_s, 12.0 }, { u"Nope"_s, 1.0 } });
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 0);
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), m_model->rowCount() - 1);
        QCOMPARE(cell(u"A"_s).data().toString(), u"—"_s);
        QVERIFY(!cell(u"A"_s).data(ListingTableModel::ScoreRole).isValid());
        QCOMPARE(cell(u"B"_s).data(ListingTableModel::ScoreRole).toDouble(), 12.0);
        QVERIFY(!m_model->status(u"A"_s).score);
    }

    void destroyedWhileComputing()
    {
        m_proxy->sort(ListingTableModel::ColTitle, Qt::AscendingOrder);
        QVERIFY(m_proxy->isPending());
        m_proxy.reset(); // waits for its worker; nothing lands on a deleted object
        QCoreApplication::sendPostedEvents();
        m_model->setListings({});
    }
};

QTEST_MAIN(TestListingFilterProxy)
#include "tst_listingfilterproxy.moc"
