#include "server/store/RedisChangeSubscriber.h"

#include "server/ServerLog.h"
#include "server/store/JobStore.h"

#include <chrono>
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
            sub->subscribe(m_channel);
            while (!m_stop) {
                const std::optional<RedisValue> v = sub->nextPush(200);
                if (!v)
                    continue;
                if (v->type == RedisValue::Type::Array && v->elements.size() == 3 && v->elements[0].str == "message") {
                    if (!m_callbacks.wanted())
                        continue;
                    for (const QByteArray &id : v->elements[2].str.split(','))
                        m_callbacks.changed(QString::fromUtf8(id));
                } else if (v->type == RedisValue::Type::Array && v->elements.value(0).str == "subscribe") {
                    m_subscribed = true;
                }
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
