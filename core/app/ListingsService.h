#pragma once

#include "domain/Listing.h"
#include "import/ImportResult.h"
#include "query/ListingSet.h"
#include "tasks/BackgroundWork.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <memory>

namespace dealscope {

class AnalysisEngine;
class BenchmarkTable;
class ListingCatalog;

// Listings loaded (or re-indexed) off the GUI thread, with what the filters offer.
struct LoadedListings final
{
    QList<Listing> listings;
    QHash<QString, int> rowById; // made on the worker too (the start-up load only)
    std::shared_ptr<const ListingCatalog> catalog;
    QStringList industries;
    QStringList states;
    bool demo = false;
    QString error;
};

// One imported file, once merged into the rows (or not, when it could not be read).
struct ImportOutcome final
{
    QString path;
    ImportResult result;
    int added = 0;
    int updated = 0;
};

// The desktop's listings without widgets: the start-up load (the saved listings, or the demo
// listings on a first start), imports merged into the rows the table shows, and the listing
// index the engine analyses against, rebuilt and saved after each change. Parsing, merging,
// indexing and saving run on workers; the rows themselves stay with their owner (the table
// model), which hands snapshots out and applies merges through Rows. Lives on the GUI thread.
class ListingsService final : public QObject
{
    Q_OBJECT
public:
    // How the service reads and changes the rows of their owner (the GUI thread's table model).
    struct Rows
    {
        std::function<ListingSet()> snapshot; // O(1): implicitly shared
        std::function<bool(ListingMerge plan)> apply; // false when the rows changed since the plan's snapshot
    };

    ListingsService(std::shared_ptr<const BenchmarkTable> benchmarks, std::shared_ptr<AnalysisEngine> engine,
        QString listingsFile, QObject *parent = nullptr);
    ~ListingsService() override; // waits for the workers; nothing they did reaches anyone afterwards

    void setRows(Rows rows);
    QString listingsFile() const { return m_file; }

    // Reads the saved listings, or `demoResource` when there are none yet; loaded() follows, with
    // the engine already analysing against them.
    void load(const QString &demoResource);
    // Parses a CSV/JSON file; files parse in parallel but merge one at a time in the order they
    // were imported, so the later import of a listing is the one that stays. importFinished()
    // follows for each file, then indexed() once the engine knows the new listings.
    void importFile(const QString &path);
    // A job server's listings (RemoteListings) merged into the rows like an import, in order with
    // the imports; serverListingsMerged() follows, then indexed().
    void addServerListings(const QUrl &server, QList<Listing> listings);
    // True from a merge until the engine's index includes it: analyses of new listings wait.
    bool isIndexing() const { return m_catalogPending || m_catalogDirty; }

Q_SIGNALS:
    void loaded(const dealscope::LoadedListings &listings);
    void serverListingsMerged(const QUrl &server, int added, int updated);
    void importFinished(const dealscope::ImportOutcome &outcome);
    // The engine analyses against the current rows; the facets the filters offer.
    void indexed(const QStringList &industries, const QStringList &states);
    void saveFailed(const QString &error);

private:
    struct Parsed
    {
        QString path;
        ImportResult result;
        bool fromServer = false; // addServerListings(): serverListingsMerged() instead of importFinished()
    };
    void mergeNext();
    void merge(std::shared_ptr<Parsed> parsed);
    void finishImport(const std::shared_ptr<Parsed> &parsed, int added, int updated);
    void rebuildIndex();

    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    std::shared_ptr<AnalysisEngine> m_engine;
    QString m_file;
    Rows m_rows;
    int m_importsRequested = 0; // sequence numbers handed out by importFile()
    int m_importsMerged = 0; // the sequence number merged next
    bool m_merging = false;
    QHash<int, std::shared_ptr<Parsed>> m_parsed; // parsed, waiting for their turn
    bool m_catalogPending = false;
    bool m_catalogDirty = false;
    // Last: destroyed, and so waited for, before anything their callbacks use.
    BackgroundWork m_parse; // one file per core
    BackgroundWork m_work; // load, merge plans, index rebuilds
};

} // namespace dealscope
