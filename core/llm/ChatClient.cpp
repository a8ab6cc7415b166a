#include "llm/ChatClient.h"

#include "llm/ChatExchange.h"

#include <QEventLoop>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QTimer>

namespace dealscope::llm {

ChatOutcome ChatClient::run(const LlmConfig &config, const nlohmann::json &body, const StopPredicate &shouldStop,
    const ProgressCallback &onProgress)
{
    if (shouldStop && shouldStop()) {
        ChatOutcome canceled;
        canceled.status = ChatOutcome::Status::Canceled;
        return canceled;
    }
    QNetworkAccessManager nam;
    // A local model server must not be sent through a system proxy from http_proxy.
    if (QHostAddress(config.baseUrl.host()).isLoopback() || config.baseUrl.host() == QLatin1String("localhost"))
        nam.setProxy(QNetworkProxy::NoProxy);
    QEventLoop loop;
    ChatExchange exchange(&nam, config, body);
    QObject::connect(&exchange, &ChatExchange::finished, &loop, &QEventLoop::quit);
    if (onProgress)
        QObject::connect(&exchange, &ChatExchange::progressed, &loop, [&] { onProgress(exchange.outcome()); });
    QTimer poll;
    poll.setInterval(25);
    if (shouldStop) {
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (shouldStop())
                exchange.abort(ChatOutcome::Status::Canceled);
        });
        poll.start();
    }
    exchange.start();
    if (!exchange.isFinished())
        loop.exec();
    poll.stop();
    return exchange.outcome();
}

} // namespace dealscope::llm
