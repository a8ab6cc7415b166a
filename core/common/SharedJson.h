#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>

namespace dealscope {

// An optional JSON value that is never changed once made, shared by every copy. A job's result is
// a tree of a few hundred nodes; the job itself is copied between the worker, the store thread,
// the emitted signal and each receiver, and a deep copy per hop cost more than the analysis. Reads
// look like std::optional<json>; a change replaces the whole value (`result = json{…}`), so a copy
// already handed to another thread never changes under it.
class SharedJson final
{
public:
    SharedJson() = default;
    SharedJson(std::nullopt_t) { }
    SharedJson(nlohmann::json value)
        : m_value(std::make_shared<const nlohmann::json>(std::move(value)))
    { }
    SharedJson(std::optional<nlohmann::json> value)
    {
        if (value)
            m_value = std::make_shared<const nlohmann::json>(std::move(*value));
    }

    bool has_value() const { return m_value != nullptr; }
    explicit operator bool() const { return has_value(); }
    const nlohmann::json &operator*() const { return *m_value; }
    const nlohmann::json *operator->() const { return m_value.get(); }
    void reset() { m_value.reset(); }

    // Equal when both are empty or both hold equal values (the same object or not).
    bool operator==(const SharedJson &other) const
    {
        if (m_value == other.m_value)
            return true;
        if (!m_value || !other.m_value)
            return false;
        return *m_value == *other.m_value;
    }

private:
    std::shared_ptr<const nlohmann::json> m_value;
};

} // namespace dealscope
