#include "app/RemoteListings.h"

#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
constexpr qint64 kMaxPageBytes = 32LL * 1024 * 1024;
} // namespace

RemoteListings::RemoteListings(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{ }

RemoteListings::~RemoteListings()
{
    abort();
}

void RemoteListings::abort()
{
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply.clear();
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void RemoteListings::fetch(const QUrl &server, const QString &token, int pageSize)
{
    abort();
    m_server = server.adjusted(QUrl::StripTrailingSlash);
    m_token = token;
    m_pageSize = std::clamp(pageSize, 1, 500);
    m_listings.clear();
    m_offset = 0;
    const bool loopback = QHostAddress(m_server.host()).isLoopback() || m_server.host() == u"localhost";
    m_nam->setProxy(loopback ? QNetworkProxy(QNetworkProxy::NoProxy) : QNetworkProxy(QNetworkProxy::DefaultProxy));
    requestPage();
}

void RemoteListings::requestPage()
{
    QUrl url = m_server;
    url.setPath(m_server.path() + u"/api/listings"_s);
    QUrlQuery query;
    query.addQueryItem(u"offset"_s, QString::number(m_offset));
    query.addQueryItem(u"limit"_s, QString::number(m_pageSize));
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setTransferTimeout(30'000);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    QNetworkReply *reply = m_nam->get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onPage(reply); });
}

void RemoteListings::onPage(QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_reply != reply)
        return;
    m_reply.clear();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    auto fail = [&](const QString &why) {
        Q_EMIT finished(m_server, {}, tr("The listings of %1 could not be read: %2").arg(m_server.toString(), why));
    };
    if (status == 0) {
        fail(reply->errorString());
        return;
    }
    if (status != 200) {
        fail(status == 401 || status == 403 ? tr("the server refused the token (HTTP %1)").arg(status)
                                            : tr("HTTP %1").arg(status));
        return;
    }
    const QByteArray body = reply->read(kMaxPageBytes);
    const auto doc = nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (!doc.is_object() || !doc.contains("listings") || !doc["listings"].is_array()) {
        fail(tr("not a listings page"));
        return;
    }
    const auto &page = doc["listings"];
    for (const auto &item : page) {
        try {
            Listing l = listingFromJson(item);
            if (!l.id.isEmpty() && !l.title.isEmpty())
                m_listings.append(std::move(l));
        } catch (const std::exception &) {
            // a listing the client cannot read is left out, not the whole page
        }
    }
    m_offset += qint64(page.size());
    const qint64 total = doc.value("total", qint64(0));
    if (!page.empty() && m_offset < total && qint64(page.size()) == m_pageSize) {
        requestPage();
        return;
    }
    Q_EMIT finished(m_server, m_listings, QString());
}

} // namespace dealscope
