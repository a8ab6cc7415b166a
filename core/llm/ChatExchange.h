#pragma once

#include "llm/ChatOutcome.h"
#include "llm/LlmConfig.h"
#include "llm/SseParser.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <nlohmann/json.hpp>

class QNetworkAccessManager;
class QNetworkReply;

namespace dealscope::llm {

// One POST {base}/chat/completions, asynchronous, on the thread that owns `nam`. Handles JSON and
// SSE answers, the connect/idle/total timeouts and aborting. Used by the blocking ChatClient on
// worker threads and directly (non-blocking) by LlmConnectionTester on the GUI thread.
class ChatExchange final : public QObject
{
    Q_OBJECT
public:
    ChatExchange(QNetworkAccessManager *nam, LlmConfig config, nlohmann::json body, QObject *parent = nullptr);
    ~ChatExchange() override;

    void start();
    // Ends the request at once (closes the connection); finished() follows with `reason`.
    void abort(ChatOutcome::Status reason);
    bool isFinished() const { return m_finished; }
    const ChatOutcome &outcome() const { return m_outcome; }

Q_SIGNALS:
    void progressed(); // content/refusal grew (streaming)
    void finished();

private:
    void onReadyRead();
    void onFinished();
    void handleEvent(const QByteArray &data);
    void parseErrorBody(const QByteArray &body);
    void parseCompletion(const QByteArray &body);
    void finish(ChatOutcome::Status status, const QString &message = {});
    bool isSse() const;

    QNetworkAccessManager *m_nam;
    LlmConfig m_config;
    nlohmann::json m_body;
    QPointer<QNetworkReply> m_reply;
    QTimer m_connectTimer;
    QTimer m_idleTimer;
    QTimer m_totalTimer;
    SseParser m_sse;
    QByteArray m_buffer;
    ChatOutcome m_outcome;
    bool m_streamRequested = false;
    bool m_done = false;
    bool m_finished = false;
    std::optional<ChatOutcome::Status> m_abortReason;
};

} // namespace dealscope::llm
