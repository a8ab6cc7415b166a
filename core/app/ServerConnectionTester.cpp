#include "app/ServerConnectionTester.h"

#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSslError>

#include <nlohmann/json.hpp>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

ServerConnectionTester::ServerConnectionTester(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{ }

ServerConnectionTester::~ServerConnectionTester()
{
    abort();
}

QString ServerConnectionTester::resultName(Result result)
{
    switch (result) {
    case Result::Ok:
        return u"ok"_s;
    case Result::Unauthorized:
        return u"unauthorized"_s;
    case Result::Unreachable:
        return u"unreachable"_s;
    case Result::TlsError:
        return u"tls-error"_s;
    case Result::BadAnswer:
        return u"bad-answer"_s;
    }
    return {};
}

void ServerConnectionTester::abort()
{
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply.clear();
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void ServerConnectionTester::start(const QUrl &server, const QString &token, int timeoutMs)
{
    abort();
    m_tlsError.clear();
    const QUrl base = server.adjusted(QUrl::StripTrailingSlash);
    if (!base.isValid() || base.host().isEmpty() || (base.scheme() != u"http" && base.scheme() != u"https")) {
        QMetaObject::invokeMethod(
            this,
            [this, server] {
                Q_EMIT finished(Result::Unreachable,
                    tr("\"%1\" is not a server address: use http://host:port or https://host.").arg(server.toString()));
            },
            Qt::QueuedConnection);
        return;
    }
    // A server on this machine must not be sent through a system proxy from http_proxy.
    const bool loopback = QHostAddress(base.host()).isLoopback() || base.host() == u"localhost";
    m_nam->setProxy(loopback ? QNetworkProxy(QNetworkProxy::NoProxy) : QNetworkProxy(QNetworkProxy::DefaultProxy));
    QUrl url = base;
    url.setPath(base.path() + u"/api/listings"_s);
    url.setQuery(u"limit=1"_s);
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    QNetworkReply *reply = m_nam->get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        // Shown, never ignored (the request fails with them).
        QStringList texts;
        for (const QSslError &e : errors)
            texts << e.errorString();
        m_tlsError = texts.join(u"; "_s);
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, base] { onFinished(reply, base); });
}

void ServerConnectionTester::onFinished(QNetworkReply *reply, const QUrl &server)
{
    reply->deleteLater();
    if (m_reply != reply)
        return;
    m_reply.clear();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const auto doc = nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    const QString where = server.toString();
    if (!m_tlsError.isEmpty() || reply->error() == QNetworkReply::SslHandshakeFailedError) {
        Q_EMIT finished(Result::TlsError,
            tr("TLS error with %1: %2").arg(where, m_tlsError.isEmpty() ? reply->errorString() : m_tlsError));
        return;
    }
    if (status == 401 || status == 403) {
        QString detail;
        if (doc.is_object() && doc.contains("error") && doc["error"].is_object())
            detail = QString::fromStdString(doc["error"].value("message", std::string()));
        Q_EMIT finished(Result::Unauthorized,
            tr("%1 refused the token (HTTP %2%3). Enter the token the server's operator gave you.")
                .arg(where)
                .arg(status)
                .arg(detail.isEmpty() ? QString() : u": "_s + detail.left(200)));
        return;
    }
    if (status == 0) {
        Q_EMIT finished(Result::Unreachable, tr("Cannot reach %1: %2").arg(where, reply->errorString()));
        return;
    }
    if (status == 200 && doc.is_object() && doc.contains("listings")) {
        const qint64 total = doc.value("total", qint64(0));
        Q_EMIT finished(
            Result::Ok, tr("Connected to %1 (%n listing(s) on the server).", nullptr, int(total)).arg(where));
        return;
    }
    Q_EMIT finished(
        Result::BadAnswer, tr("%1 answered HTTP %2, not as a Dealscope job server does.").arg(where).arg(status));
}

} // namespace dealscope
