#include "app/ListingsService.h"

#include "analysis/AnalysisEngine.h"
#include "app/AppLog.h"
#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"
#include "market/ListingCatalog.h"
#include "storage/ListingStore.h"
#include "tasks/ReleaseOffThread.h"

#include <QThread>

#include <set>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {

// Runs on a worker: everything here works on values only.
LoadedListings index(QList<Listing> listings, const std::shared_ptr<const BenchmarkTable> &benchmarks)
{
    LoadedListings out;
    std::set<QString> industries;
    std::set<QString> states;
    for (const Listing &l : std::as_const(listings)) {
        if (!l.industry.isEmpty())
            industries.insert(l.industry);
        if (!l.state.isEmpty())
            states.insert(l.state);
    }
    out.industries = QStringList(industries.begin(), industries.end());
    out.states = QStringList(states.begin(), states.end());
    out.catalog = std::make_shared<const ListingCatalog>(listings, benchmarks);
    out.listings = std::move(listings);
    return out;
}

} // namespace

ListingsService::ListingsService(std::shared_ptr<const BenchmarkTable> benchmarks,
    std::shared_ptr<AnalysisEngine> engine, QString listingsFile, QObject *parent)
    : QObject(parent)
    , m_benchmarks(std::move(benchmarks))
    , m_engine(std::move(engine))
    , m_file(std::move(listingsFile))
    , m_parse(u"dealscope-import"_s, QThread::idealThreadCount())
    , m_work(u"dealscope-listings"_s, 2)
{ }

ListingsService::~ListingsService() = default;

void ListingsService::setRows(Rows rows)
{
    m_rows = std::move(rows);
}

void ListingsService::load(const QString &demoResource)
{
    m_work.run(
        [file = m_file, demo = demoResource, benchmarks = m_benchmarks] {
            ListingStore::LoadResult stored = ListingStore::load(file);
            QList<Listing> listings = std::move(stored.listings);
            bool isDemo = false;
            if (listings.isEmpty() && stored.error.isEmpty() && !demo.isEmpty()) {
                // First start (nothing imported yet): the shipped, fictional demo listings.
                ImportResult r = ListingImporter(benchmarks).importFile(demo);
                listings = std::move(r.listings);
                isDemo = true;
            }
            LoadedListings out = index(std::move(listings), benchmarks);
            out.rowById = ListingSet::indexRows(out.listings);
            out.demo = isDemo;
            out.error = stored.error;
            return out;
        },
        [this](LoadedListings result) {
            // The previous catalog (100k listings and their indexes) is freed on a pool thread.
            std::shared_ptr<const ListingCatalog> previous = m_engine->catalog();
            m_engine->setCatalog(result.catalog);
            releaseOffThread(std::move(previous));
            Q_EMIT loaded(result);
            // Whoever kept the rows holds them now; the last references of the rest go off this thread.
            releaseOffThread(std::move(result));
        });
}

void ListingsService::importFile(const QString &path)
{
    const int sequence = m_importsRequested++;
    qCInfo(lcApp) << "importing" << path;
    m_parse.run([path, benchmarks = m_benchmarks] { return ListingImporter(benchmarks).importFile(path); },
        [this, path, sequence](ImportResult result) {
            auto parsed = std::make_shared<Parsed>();
            parsed->path = path;
            parsed->result = std::move(result);
            m_parsed.insert(sequence, std::move(parsed));
            mergeNext();
        });
}

void ListingsService::addServerListings(const QUrl &server, QList<Listing> listings)
{
    const int sequence = m_importsRequested++;
    auto parsed = std::make_shared<Parsed>();
    parsed->path = server.toString();
    parsed->result.listings = std::move(listings);
    parsed->result.imported = int(parsed->result.listings.size());
    parsed->fromServer = true;
    m_parsed.insert(sequence, std::move(parsed));
    mergeNext();
}

void ListingsService::mergeNext()
{
    while (!m_merging) {
        const auto it = m_parsed.constFind(m_importsMerged);
        if (it == m_parsed.constEnd())
            return;
        std::shared_ptr<Parsed> parsed = *it;
        m_parsed.erase(it);
        if (parsed->result.ok() && !parsed->result.listings.isEmpty() && m_rows.snapshot) {
            m_merging = true;
            merge(std::move(parsed));
            return;
        }
        ++m_importsMerged;
        finishImport(parsed, 0, 0);
    }
}

void ListingsService::merge(std::shared_ptr<Parsed> parsed)
{
    // Planned on a worker from an O(1) snapshot of the rows; their owner swaps the result in and
    // appends the new rows with one insert. A plan made before the rows changed otherwise (a
    // reload) is made again from the newer rows.
    m_work.run([base = m_rows.snapshot(), parsed] { return ListingMerge::plan(base, parsed->result.listings); },
        [this, parsed](ListingMerge plan) {
            const int added = plan.added;
            const int updated = plan.updated;
            if (!m_rows.apply) { // the rows' owner (the window) is gone: nothing to merge into
                m_merging = false;
                return;
            }
            if (!m_rows.apply(std::move(plan))) {
                merge(parsed);
                return;
            }
            m_merging = false;
            ++m_importsMerged;
            rebuildIndex();
            finishImport(parsed, added, updated);
            mergeNext();
        });
}

void ListingsService::finishImport(const std::shared_ptr<Parsed> &parsed, int added, int updated)
{
    if (parsed->fromServer) {
        Q_EMIT serverListingsMerged(QUrl(parsed->path), added, updated);
        return;
    }
    ImportOutcome outcome;
    outcome.path = parsed->path;
    outcome.result = std::move(parsed->result);
    outcome.added = added;
    outcome.updated = updated;
    Q_EMIT importFinished(outcome);
    releaseOffThread(std::move(outcome));
}

void ListingsService::rebuildIndex()
{
    // One rebuild at a time; a later import while one runs schedules one more with the newest rows.
    if (m_catalogPending) {
        m_catalogDirty = true;
        return;
    }
    if (!m_rows.snapshot)
        return;
    m_catalogPending = true;
    m_work.run(
        [listings = m_rows.snapshot().listings, file = m_file, benchmarks = m_benchmarks] {
            QString error;
            ListingStore::save(file, listings, &error);
            LoadedListings out = index(listings, benchmarks);
            out.error = error;
            return out;
        },
        [this](LoadedListings loaded) {
            m_catalogPending = false;
            std::shared_ptr<const ListingCatalog> previous = m_engine->catalog();
            m_engine->setCatalog(loaded.catalog);
            releaseOffThread(std::move(previous));
            const QString error = loaded.error;
            const QStringList industries = loaded.industries;
            const QStringList states = loaded.states;
            releaseOffThread(std::move(loaded));
            if (!error.isEmpty()) {
                qCWarning(lcApp) << "listings not saved:" << error;
                Q_EMIT saveFailed(error);
            }
            if (std::exchange(m_catalogDirty, false)) {
                rebuildIndex();
                return;
            }
            Q_EMIT indexed(industries, states);
        });
}

} // namespace dealscope
