#pragma once

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>

#include <memory>
#include <type_traits>
#include <utility>

namespace dealscope {

// A few worker threads of one owner, and the way their results come back: run(work, done) calls
// work() on a worker and done(result) on this object's thread, as a queued call. Queued work never
// starts once the object is being destroyed, running work is waited for, and its result is
// dropped with the object's posted events, so `done` may capture its owner as long as the owner
// outlives this object (make it a member or a child).
//
// `work` runs on another thread: it must capture values only (implicitly shared containers,
// shared_ptr to const), never the owner.
class BackgroundWork final : public QObject
{
    Q_OBJECT
public:
    explicit BackgroundWork(const QString &name, int threads = 1, QObject *parent = nullptr);
    ~BackgroundWork() override;

    template <typename Work, typename Done> void run(Work work, Done done)
    {
        using Result = std::invoke_result_t<Work>;
        m_pool.start([this, work = std::move(work), done = std::move(done)]() mutable {
            if constexpr (std::is_void_v<Result>) {
                work();
                QMetaObject::invokeMethod(this, std::move(done), Qt::QueuedConnection);
            } else {
                auto result = std::make_shared<Result>(work());
                QMetaObject::invokeMethod(
                    this, [done = std::move(done), result]() mutable { done(std::move(*result)); },
                    Qt::QueuedConnection);
            }
        });
    }

    // Blocks until no work runs or waits (tests, and owners that must stop before going away).
    void waitForIdle();
    // Queued work that has not started is dropped.
    void clear();

private:
    QThreadPool m_pool;
};

} // namespace dealscope
