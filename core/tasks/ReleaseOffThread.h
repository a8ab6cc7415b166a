#pragma once

#include <QRunnable>
#include <QThreadPool>

#include <type_traits>
#include <utility>

namespace dealscope {

namespace detail {
template <typename T> class Releaser final : public QRunnable
{
public:
    explicit Releaser(T &&value)
        : m_value(std::move(value))
    { }
    void run() override
    {
        T dropped = std::move(m_value); // the last reference, if it is one, goes here
    }

private:
    T m_value;
};
} // namespace detail

// Drops `value` on a pool thread. Freeing 100k listings (or their index) takes tens of ms; when
// the GUI thread replaces a big container, the old one's last reference must not die there.
template <typename T> void releaseOffThread(T &&value)
{
    static_assert(!std::is_lvalue_reference_v<T>, "pass the value with std::move");
    QThreadPool::globalInstance()->start(new detail::Releaser<std::decay_t<T>>(std::move(value)));
}

} // namespace dealscope
