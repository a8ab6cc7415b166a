#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace dealscope {

// What went wrong, for the user and for code: `code` is stable and machine-readable
// ("not_found", "disk_full", …), `message` is a sentence for people that never contains a secret.
struct Error final
{
    QString code;
    QString message;

    bool operator==(const Error &) const = default;
};

// The one way new code returns "a value or why not" (CODING_GUIDELINES.md). Older code still uses
// bool + errorString and a few variants; convert it when you touch it.
template <typename T> class [[nodiscard]] Result final
{
public:
    Result(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    { }
    Result(Error error)
        : m_state(std::in_place_index<1>, std::move(error))
    { }

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Only when ok(); otherwise std::bad_variant_access.
    const T &value() const & { return std::get<0>(m_state); }
    T &value() & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }
    const T *operator->() const { return &value(); }
    const T &operator*() const & { return value(); }

    // Only when !ok(); otherwise std::bad_variant_access.
    const Error &error() const { return std::get<1>(m_state); }

    T valueOr(T fallback) const & { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_state;
};

// For operations that return nothing but may fail.
template <> class [[nodiscard]] Result<void> final
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    { }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace dealscope
