#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace dealscope {

// "Test connection" of a job server for the settings dialog: one authenticated request
// (GET /api/listings?limit=1, which every job API answers) without blocking the calling thread,
// and a result the user can act on. The token is sent, never shown or logged.
class ServerConnectionTester final : public QObject
{
    Q_OBJECT
public:
    enum class Result { Ok, Unauthorized, Unreachable, TlsError, BadAnswer };
    Q_ENUM(Result)

    explicit ServerConnectionTester(QObject *parent = nullptr);
    ~ServerConnectionTester() override;

    // Starts a test; one still running is aborted first.
    void start(const QUrl &server, const QString &token, int timeoutMs = 10'000);
    void abort();
    bool isRunning() const { return !m_reply.isNull(); }

    static QString resultName(Result result); // "ok", "unauthorized", "unreachable", "tls-error", "bad-answer"

Q_SIGNALS:
    // message: "Connected to http://host:8080 (120 listings)." or why not.
    void finished(dealscope::ServerConnectionTester::Result result, const QString &message);

private:
    void onFinished(QNetworkReply *reply, const QUrl &server);

    QNetworkAccessManager *m_nam;
    QPointer<QNetworkReply> m_reply;
    QString m_tlsError;
};

} // namespace dealscope
