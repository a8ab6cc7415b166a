#include "ui/mainwindow/ListingsDocument.h"

#include "analysis/AnalysisType.h"
#include "app/AnalysisController.h"
#include "app/AppContext.h"
#include "storage/AsyncResultsLibrary.h"
#include "ui/listings/ListingFilterProxy.h"
#include "ui/listings/ListingTableModel.h"

namespace dealscope::ui {

ListingsDocument::ListingsDocument(AppContext &context, QObject *parent)
    : QObject(parent)
    , m_service(context.listings())
    , m_controller(context.controller())
    , m_library(context.libraryWriter())
    , m_model(new ListingTableModel(this))
    , m_proxy(new ListingFilterProxy(this))
{
    m_proxy->setListingModel(m_model);
    m_service.setRows(ListingsService::Rows {
        [this] { return m_model->snapshot(); },
        [this](ListingMerge plan) { return m_model->applyMerge(std::move(plan)); },
    });
    m_controller.setListingLookup([this](const QString &id) { return find(id); });

    connect(&m_service, &ListingsService::loaded, this, [this](const LoadedListings &result) {
        m_model->setListings(result.listings, result.rowById);
        m_loaded = true;
        Q_EMIT facetsChanged(result.industries, result.states);
        refreshScores();
        Q_EMIT loaded(int(result.listings.size()), result.demo, result.error);
    });
    connect(&m_service, &ListingsService::importFinished, this, [this](const ImportOutcome &outcome) {
        if (outcome.added > 0 || outcome.updated > 0)
            refreshScores();
        Q_EMIT importFinished(outcome);
    });
    connect(
        &m_service, &ListingsService::indexed, this, [this](const QStringList &industries, const QStringList &states) {
            Q_EMIT facetsChanged(industries, states);
            Q_EMIT indexed();
        });
    connect(&m_service, &ListingsService::saveFailed, this, &ListingsDocument::saveFailed);
}

ListingsDocument::~ListingsDocument()
{
    // AppContext's destructor still runs the controller's paced work (finished jobs look their
    // listing up) and the service may finish an import: neither may reach a deleted document.
    m_controller.setListingLookup({});
    m_service.setRows({});
}

void ListingsDocument::load(const QString &demoResource)
{
    m_service.load(demoResource);
}

void ListingsDocument::importFile(const QString &path)
{
    m_service.importFile(path);
}

bool ListingsDocument::isIndexing() const
{
    return m_service.isIndexing();
}

void ListingsDocument::setQuery(const ListingQuery &query)
{
    m_proxy->setSearchText(query.search);
    m_proxy->setIndustry(query.industry);
    m_proxy->setState(query.state);
    m_proxy->setPriceRange(query.minPrice, query.maxPrice);
}

std::optional<Listing> ListingsDocument::find(const QString &id) const
{
    if (const Listing *l = m_model->find(id))
        return *l;
    return std::nullopt;
}

void ListingsDocument::refreshScores()
{
    // A whole-table aggregate: on the storage thread, applied when it comes back.
    m_library.latestScores(this, [this](const QHash<QString, double> &scores) { m_model->setScores(scores); });
}

void ListingsDocument::noteJob(const Job &job)
{
    m_pairProgress.insert(job.listingId + u'\n' + job.analysisType, isTerminal(job.status) ? 0.0 : job.progress);
    updateStatus(job.listingId);
}

void ListingsDocument::noteResult(const QString &listingId, std::optional<double> score)
{
    ListingAnalysisStatus st = m_model->status(listingId);
    if (score)
        st.score = score;
    m_model->setStatus(listingId, st);
}

void ListingsDocument::updateStatus(const QString &listingId)
{
    ListingAnalysisStatus st = m_model->status(listingId);
    st.active = 0;
    double sum = 0;
    static const QStringList types = analysisTypeNames();
    for (const QString &type : types) {
        if (!m_controller.isActive(listingId, type))
            continue;
        ++st.active;
        // The progress seen in jobChanged, not the controller's job(): that copies the whole job
        // (params, result JSON) and this runs for every update of every running analysis.
        sum += m_pairProgress.value(listingId + u'\n' + type);
    }
    st.progress = st.active > 0 ? sum / st.active : 0;
    m_model->setStatus(listingId, st);
}

} // namespace dealscope::ui
