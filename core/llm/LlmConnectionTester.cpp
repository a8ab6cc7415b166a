#include "llm/LlmConnectionTester.h"

#include "llm/ChatErrors.h"
#include "llm/ChatExchange.h"

#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>

namespace dealscope::llm {

LlmConnectionTester::LlmConnectionTester(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{ }

LlmConnectionTester::~LlmConnectionTester()
{
    delete m_exchange.data();
}

bool LlmConnectionTester::isRunning() const
{
    return m_exchange && !m_exchange->isFinished();
}

void LlmConnectionTester::abort()
{
    if (m_exchange) {
        m_exchange->disconnect(this);
        m_exchange->abort(ChatOutcome::Status::Canceled);
        m_exchange->deleteLater();
    }
}

void LlmConnectionTester::start(const LlmConfig &config)
{
    abort();
    m_config = config;
    m_config.stream = false;
    m_config.totalTimeoutMs = std::min(m_config.totalTimeoutMs, 30'000);
    const bool local
        = QHostAddress(m_config.baseUrl.host()).isLoopback() || m_config.baseUrl.host() == QLatin1String("localhost");
    m_nam->setProxy(local ? QNetworkProxy(QNetworkProxy::NoProxy) : QNetworkProxy(QNetworkProxy::DefaultProxy));
    const nlohmann::json body = { { "model", m_config.model.toStdString() },
        { "messages",
            nlohmann::json::array({ { { "role", "user" }, { "content", "Reply with the single word OK." } } }) } };
    m_exchange = new ChatExchange(m_nam, m_config, body, this);
    connect(
        m_exchange, &ChatExchange::finished, this,
        [this, exchange = QPointer<ChatExchange>(m_exchange)] {
            if (!exchange || exchange != m_exchange)
                return; // a newer test replaced this one
            const ChatOutcome outcome = exchange->outcome();
            exchange->deleteLater();
            if (outcome.status == ChatOutcome::Status::Ok) {
                const QString model = outcome.model.isEmpty() ? m_config.model : outcome.model;
                Q_EMIT finished(
                    true, QStringLiteral("Connected to %1 at %2").arg(model, m_config.endpointForMessages()));
            } else {
                QString message = describeFailure(outcome, m_config);
                if (!message.isEmpty())
                    message[0] = message[0].toUpper();
                Q_EMIT finished(false, message);
            }
        },
        Qt::QueuedConnection); // never synchronously inside start()
    m_exchange->start();
}

} // namespace dealscope::llm
