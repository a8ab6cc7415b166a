#pragma once

#include "domain/Listing.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <optional>
#include <variant>

namespace dealscope::server {

// Why a request body or query was refused: the HTTP status and the error envelope's code and
// message (docs/API.md §1, §11: 4xx with a clear message, never a 5xx for bad input).
struct RequestError final
{
    int status = 400;
    QByteArray code;
    QString message;
};

template <typename T> using Validated = std::variant<T, RequestError>;

// POST /api/analysis/start {listingId, analysisType, params?, force?, listing?}
struct StartBody final
{
    QString listingId;
    QString analysisType;
    // Numbers with a whole value are written as integers (10.0 -> 10), so that the same params
    // are the same JSON whichever way a client wrote them (dedup compares canonical JSON).
    nlohmann::json params = nlohmann::json::object();
    bool force = false;
    // The listing to analyse as the client has it (docs/API.md §4); its id is listingId.
    std::optional<Listing> listing;
};

// GET /api/analysis/status?jobId=ID[&wait=S] or ?jobIds=a,b,…
struct StatusQuery final
{
    bool batch = false;
    QString jobId; // single
    QStringList jobIds; // batch: the valid ids, in request order
    QStringList invalidIds; // batch: the given ids that are not job ids (cut to 64 characters)
    int waitSecs = 0;
};

// GET /api/analysis/lookup?listingId=&analysisType=
struct LookupQuery final
{
    QString listingId;
    QString analysisType;
};

// GET /api/listings?q=&offset=&limit=
struct ListingsQuery final
{
    QString q;
    qint64 offset = 0;
    qint64 limit = 50;
};

// The checks of the API's request bodies and query strings, apart from the server so that they
// can be tested (and fuzzed) on their own: they need no store, no engine and no socket. What
// only the engine can say (is the listing known, are the params in range) is checked later.
class RequestValidator final
{
public:
    // How deep a body's JSON may nest (a start body with its listing is three levels).
    static constexpr int kMaxJsonDepth = 64;

    struct Limits
    {
        int maxWaitSecs = 30;
        int maxBatchIds = 100;
    };

    explicit RequestValidator(Limits limits)
        : m_limits(limits)
    { }

    Validated<StartBody> start(const QByteArray &body) const;
    // The Idempotency-Key header of a start: empty for none; 1 to 255 visible ASCII characters.
    Validated<QString> idempotencyKey(const QByteArray &header) const;
    // {jobId}: the job id of a cancel (and of a push-queue delivery).
    Validated<QString> jobIdBody(const QByteArray &body) const;
    Validated<StatusQuery> status(const QUrlQuery &query) const;
    Validated<LookupQuery> lookup(const QUrlQuery &query) const;
    Validated<ListingsQuery> listings(const QUrlQuery &query) const;

    // "unknown analysisType \"x\"; allowed: …"
    static QString unknownTypeMessage(const QString &given);

private:
    Limits m_limits;
};

} // namespace dealscope::server
