#pragma once

#include "llm/LlmConfig.h"

#include <QObject>
#include <QPointer>

class QNetworkAccessManager;

namespace dealscope::llm {

class ChatExchange;

// "Test connection" for the settings dialog: sends a one-token chat completion (it checks the URL,
// the key and the model/deployment in one go, on OpenAI, Azure and local servers alike) without
// blocking the calling thread, and reports ok or a message that names the cause (never the key).
class LlmConnectionTester final : public QObject
{
    Q_OBJECT
public:
    explicit LlmConnectionTester(QObject *parent = nullptr);
    ~LlmConnectionTester() override;

    // Starts a test; a test still running is aborted first.
    void start(const LlmConfig &config);
    void abort();
    bool isRunning() const;

Q_SIGNALS:
    // ok: "Connected to gpt-4o-mini-2024-07-18 at https://api.openai.com/v1"
    void finished(bool ok, const QString &message);

private:
    QNetworkAccessManager *m_nam;
    QPointer<ChatExchange> m_exchange;
    LlmConfig m_config;
};

} // namespace dealscope::llm
