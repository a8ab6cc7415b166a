#pragma once

#include "server/store/RedisConnection.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace dealscope::server {

// The thread that listens on the store's change channel (pub/sub), so that long-polls wake on
// every API process whichever process changed the job. A batch of changes comes as one message,
// ids joined by ','. Reconnects after a lost connection.
class RedisChangeSubscriber final
{
public:
    struct Callbacks
    {
        std::function<std::unique_ptr<RedisConnection>()> connect;
        std::function<bool()> wanted; // whether anyone listens: otherwise a message is not decoded
        std::function<void(const QString &jobId)> changed;
    };

    RedisChangeSubscriber(QByteArray channel, Callbacks callbacks);
    ~RedisChangeSubscriber();

    // Starts the thread and waits (up to 3 s) until it is subscribed, so that changes made right
    // after start-up do not slip past the subscription.
    void start();
    void stop(); // waits for the thread

private:
    void run();

    QByteArray m_channel;
    Callbacks m_callbacks;
    std::atomic_bool m_stop { false };
    std::atomic_bool m_subscribed { false };
    std::thread m_thread;
};

} // namespace dealscope::server
