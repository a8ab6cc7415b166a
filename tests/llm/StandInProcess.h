#pragma once

#include <QDateTime>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QTimer>
#include <QUrl>

#include <nlohmann/json.hpp>

// Starts the stand-in OpenAI server (tests/llm/standin) on a free loopback port for one test
// program and reads what it saw through GET /_standin/log.
class StandInProcess final
{
public:
    ~StandInProcess() { stop(); }

    bool start(const QString &apiKey)
    {
        m_process.setProgram(QStringLiteral(DEALSCOPE_LLM_STANDIN));
        m_process.setArguments({ QStringLiteral("--key"), apiKey });
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        while (m_process.waitForReadyRead(5000)) {
            const QByteArray line = m_process.readLine().trimmed();
            if (line.startsWith("PORT ")) {
                m_port = static_cast<quint16>(line.mid(5).toUInt());
                return m_port != 0;
            }
        }
        return false;
    }

    void stop()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    quint16 port() const { return m_port; }
    QUrl url(const QString &path) const { return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path)); }
    QUrl openAiBase() const { return url(QStringLiteral("/v1")); }

    // Makes requests for `model` play `scenario` (e.g. a server started with --model fixed).
    bool setAlias(const QString &model, const QString &scenario) const
    {
        QNetworkAccessManager nam;
        nam.setProxy(QNetworkProxy::NoProxy);
        QNetworkRequest request(url(QStringLiteral("/_standin/alias")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        const nlohmann::json body = { { "model", model.toStdString() }, { "scenario", scenario.toStdString() } };
        QNetworkReply *reply = nam.post(request, QByteArray::fromStdString(body.dump()));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(5000, &loop, &QEventLoop::quit);
        loop.exec();
        const bool ok = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 204;
        delete reply;
        return ok;
    }

    // Lets the replies held by the "hold" and "hold-mid" scenarios go on.
    bool release() const
    {
        QNetworkAccessManager nam;
        nam.setProxy(QNetworkProxy::NoProxy);
        QNetworkRequest request(url(QStringLiteral("/_standin/release")));
        QNetworkReply *reply = nam.post(request, QByteArray());
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(5000, &loop, &QEventLoop::quit);
        loop.exec();
        const bool ok = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 204;
        delete reply;
        return ok;
    }

    // Every request record (see StandInExchange::handleChat).
    nlohmann::json log() const
    {
        QNetworkAccessManager nam;
        nam.setProxy(QNetworkProxy::NoProxy);
        QNetworkReply *reply = nam.get(QNetworkRequest(url(QStringLiteral("/_standin/log"))));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(5000, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray body = reply->readAll();
        delete reply;
        auto doc = nlohmann::json::parse(body.toStdString(), nullptr, false);
        return doc.is_discarded() ? nlohmann::json::array() : doc;
    }

    // The records of one model string, in arrival order.
    nlohmann::json requestsFor(const QString &model) const
    {
        nlohmann::json out = nlohmann::json::array();
        for (const auto &entry : log()) {
            if (entry.value("model", std::string()) == model.toStdString())
                out.push_back(entry);
        }
        return out;
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
};
