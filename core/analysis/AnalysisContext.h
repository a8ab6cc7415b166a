#pragma once

#include "analysis/AnalysisParams.h"
#include "analysis/AnalysisType.h"
#include "domain/Listing.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <functional>

namespace dealscope {

class BenchmarkTable;
class ListingCatalog;

// What a running step sees. `state` is checkpointed after every finished step, so a step must
// keep everything later steps need in it (plain JSON), never in C++ members.
class AnalysisContext final
{
public:
    struct Callbacks
    {
        std::function<void(double stepFraction, const QString &partialOutput)> progress;
        std::function<bool()> shouldStop; // true once canceled or past the deadline
        std::function<void()> throwIfStopped; // throws AnalysisError Canceled / TimedOut
        // The year businessAgeYears is measured against; the system date when unset. Injectable so a
        // job's result is reproducible (the engine pins it into the checkpointed state).
        std::function<int()> currentYear;
    };

    AnalysisContext(AnalysisType type, const Listing &listing, const AnalysisParams &params,
        const ListingCatalog &catalog, nlohmann::json &state, Callbacks callbacks);

    AnalysisType type() const { return m_type; }
    const Listing &listing() const { return m_listing; }
    const AnalysisParams &params() const { return m_params; }
    const ListingCatalog &catalog() const { return m_catalog; }
    const BenchmarkTable &benchmarks() const;
    nlohmann::json &state() { return m_state; }
    const nlohmann::json &state() const { return m_state; }
    int currentYear() const;

    // Progress inside the current step (0..1) and the human-readable line for partialOutput.
    void reportProgress(double stepFraction, const QString &partialOutput = {});
    bool shouldStop() const;
    void throwIfStopped() const;
    // Sleeps up to `ms`, waking at least every 50 ms to honour cancellation and the deadline.
    void interruptibleSleep(qint64 ms) const;

private:
    AnalysisType m_type;
    const Listing &m_listing;
    const AnalysisParams &m_params;
    const ListingCatalog &m_catalog;
    nlohmann::json &m_state;
    Callbacks m_callbacks;
};

} // namespace dealscope
