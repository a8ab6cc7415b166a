#include "server/http/ListingRoutes.h"

#include "analysis/AnalysisEngine.h"
#include "domain/Listing.h"
#include "market/ListingCatalog.h"
#include "server/http/RouteTable.h"

namespace dealscope::server {

namespace {
QByteArray dump(const nlohmann::json &j)
{
    return QByteArray::fromStdString(j.dump());
}
} // namespace

ListingRoutes::ListingRoutes(RequestValidator validator, std::shared_ptr<const AnalysisEngine> engine)
    : m_validator(validator)
    , m_engine(std::move(engine))
{ }

void ListingRoutes::addTo(RouteTable &routes)
{
    using Method = QHttpServerRequest::Method;
    using Access = RouteTable::Access;
    routes.add(QStringLiteral("/api/listings"),
        { QStringLiteral("listings"), Method::Get, Access::Token,
            [this](const ExchangePtr &e, const QString &) { list(e); } });
    routes.addPrefix(QStringLiteral("/api/listings/"),
        { QStringLiteral("listing"), Method::Get, Access::Token,
            [this](const ExchangePtr &e, const QString &id) { one(e, id); } });
}

void ListingRoutes::one(const ExchangePtr &exchange, const QString &encodedId)
{
    const auto catalog = m_engine->catalog();
    const QString id = QUrl::fromPercentEncoding(encodedId.toUtf8());
    const Listing *listing = catalog ? catalog->find(id) : nullptr;
    if (!listing) {
        exchange->sendError(404, "listing_not_found", QStringLiteral("no listing %1").arg(id.left(200)));
        return;
    }
    exchange->send(200, dump(listingToJson(*listing)));
}

void ListingRoutes::list(const ExchangePtr &exchange)
{
    auto validated = m_validator.listings(exchange->query());
    if (const auto *e = std::get_if<RequestError>(&validated)) {
        exchange->sendError(e->status, e->code, e->message);
        return;
    }
    const ListingsQuery &query = std::get<ListingsQuery>(validated);
    const auto catalog = m_engine->catalog();
    nlohmann::json items = nlohmann::json::array();
    qint64 total = 0;
    if (catalog) {
        const QString &q = query.q;
        for (const Listing &l : catalog->listings()) {
            if (!q.isEmpty() && !l.title.contains(q, Qt::CaseInsensitive)
                && !l.industry.contains(q, Qt::CaseInsensitive) && !l.location.contains(q, Qt::CaseInsensitive)
                && !l.id.contains(q, Qt::CaseInsensitive) && !l.description.contains(q, Qt::CaseInsensitive))
                continue;
            if (total >= query.offset && total < query.offset + query.limit)
                items.push_back(listingToJson(l));
            ++total;
        }
    }
    exchange->send(
        200, dump({ { "listings", items }, { "total", total }, { "offset", query.offset }, { "limit", query.limit } }));
}

} // namespace dealscope::server
