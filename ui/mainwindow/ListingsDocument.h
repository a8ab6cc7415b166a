#pragma once

#include "app/ListingsService.h"
#include "domain/Listing.h"
#include "jobs/Job.h"
#include "query/ListingQuery.h"

#include <QHash>
#include <QObject>

#include <optional>

namespace dealscope {
class AnalysisController;
class AppContext;
class AsyncResultsLibrary;
} // namespace dealscope

namespace dealscope::ui {

class ListingFilterProxy;
class ListingTableModel;

// The window's document: the listings (the table model and its sorted, filtered view), their
// start-up load and imports (through core's ListingsService), and what the score column shows
// of their analyses. No widgets; lives on the GUI thread.
class ListingsDocument final : public QObject
{
    Q_OBJECT
public:
    explicit ListingsDocument(AppContext &context, QObject *parent = nullptr);
    // The context outlives the window: what it was handed that points here is taken back.
    ~ListingsDocument() override;

    ListingTableModel *model() const { return m_model; }
    ListingFilterProxy *proxy() const { return m_proxy; }

    // The saved listings, or `demoResource` on a first start; loaded() follows.
    void load(const QString &demoResource);
    void importFile(const QString &path);
    bool isLoaded() const { return m_loaded; }
    // Freshly imported listings reach the engine once indexed(): analyses of them wait until then.
    bool isIndexing() const;

    void setQuery(const ListingQuery &query);
    std::optional<Listing> find(const QString &id) const;
    // The library's latest score of every listing, read on its storage thread.
    void refreshScores();

    // What the score column shows while analyses run and once their results are stored.
    void noteJob(const Job &job);
    void noteResult(const QString &listingId, std::optional<double> score);
    void updateStatus(const QString &listingId);

Q_SIGNALS:
    void loaded(int count, bool demo, const QString &error);
    void importFinished(const dealscope::ImportOutcome &outcome);
    void facetsChanged(const QStringList &industries, const QStringList &states);
    void indexed();
    void saveFailed(const QString &error);

private:
    ListingsService &m_service;
    AnalysisController &m_controller;
    AsyncResultsLibrary &m_library;
    ListingTableModel *m_model;
    ListingFilterProxy *m_proxy;
    QHash<QString, double> m_pairProgress; // listingId '\n' type -> progress of its newest job
    bool m_loaded = false;
};

} // namespace dealscope::ui
