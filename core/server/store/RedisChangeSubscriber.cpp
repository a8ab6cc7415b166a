#include "server/store/RedisChangeSubscriber.h"

#include "server/ServerLog.h"
#include "server/store/JobStore.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <poll.h>
#include <pthread.h>

namespace dealscope::server {

RedisChangeSubscriber::RedisChangeSubscriber(QByteArray channel, Callbacks callbacks)
    : m_channel(std::move(channel))
    , m_callbacks(std::move(callbacks))
{ }

RedisChangeSubscriber::~RedisChangeSubscriber()
{
    stop();
}

void RedisChangeSubscriber::start()
{
    m_thread = std::thread([this] { run(); });
    const qint64 until = nowMs() + 3000;
    while (!m_subscribed && nowMs() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void RedisChangeSubscriber::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

void RedisChangeSubscriber::run()
{
    pthread_setname_np(pthread_self(), "ds-redis-sub");
    const std::unique_ptr<RedisConnection> sub = m_callbacks.connect();
    while (!m_stop) {
        try {
            sub->ensureConnected();
            redisContext *c = sub->context();
            redisAppendCommand(c, "SUBSCRIBE %b", m_channel.constData(), size_t(m_channel.size()));
            int done = 0;
            while (!done) {
                if (redisBufferWrite(c, &done) != REDIS_OK)
                    throw StoreUnavailable("subscribe failed");
            }
            while (!m_stop) {
                void *reply = nullptr;
                if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
                    throw StoreUnavailable("bad reply");
                if (reply) {
                    const RedisValue v = toRedisValue(reply);
                    freeReplyObject(reply);
                    if (v.type == RedisValue::Type::Array && v.elements.size() == 3 && v.elements[0].str == "message") {
                        if (!m_callbacks.wanted())
                            continue;
                        for (const QByteArray &id : v.elements[2].str.split(','))
                            m_callbacks.changed(QString::fromUtf8(id));
                    } else if (v.type == RedisValue::Type::Array && v.elements.value(0).str == "subscribe") {
                        m_subscribed = true;
                    }
                    continue;
                }
                pollfd pfd { c->fd, POLLIN, 0 };
                const int n = ::poll(&pfd, 1, 200);
                if (n < 0 && errno != EINTR)
                    throw StoreUnavailable("poll failed");
                if (n > 0 && redisBufferRead(c) != REDIS_OK)
                    throw StoreUnavailable("connection lost");
            }
        } catch (const StoreUnavailable &e) {
            sub->drop();
            qCWarning(lcServerStore) << "change subscription interrupted:" << e.what() << "- reconnecting";
            for (int i = 0; i < 5 && !m_stop; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

} // namespace dealscope::server
