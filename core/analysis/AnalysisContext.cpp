#include "analysis/AnalysisContext.h"

#include "analysis/AnalysisError.h"
#include "market/ListingCatalog.h"

#include <QDate>
#include <QThread>

#include <algorithm>
#include <chrono>

namespace dealscope {

AnalysisContext::AnalysisContext(AnalysisType type, const Listing &listing, const AnalysisParams &params,
    const ListingCatalog &catalog, nlohmann::json &state, Callbacks callbacks)
    : m_type(type)
    , m_listing(listing)
    , m_params(params)
    , m_catalog(catalog)
    , m_state(state)
    , m_callbacks(std::move(callbacks))
{ }

const BenchmarkTable &AnalysisContext::benchmarks() const
{
    return m_catalog.benchmarks();
}

int AnalysisContext::currentYear() const
{
    if (m_callbacks.currentYear)
        return m_callbacks.currentYear();
    return QDate::currentDate().year();
}

void AnalysisContext::reportProgress(double stepFraction, const QString &partialOutput)
{
    if (m_callbacks.progress)
        m_callbacks.progress(std::clamp(stepFraction, 0.0, 1.0), partialOutput);
}

bool AnalysisContext::shouldStop() const
{
    return m_callbacks.shouldStop && m_callbacks.shouldStop();
}

void AnalysisContext::throwIfStopped() const
{
    if (m_callbacks.throwIfStopped)
        m_callbacks.throwIfStopped();
    else if (shouldStop())
        throw AnalysisError::canceledByUser();
}

void AnalysisContext::interruptibleSleep(qint64 ms) const
{
    using Clock = std::chrono::steady_clock;
    const auto until = Clock::now() + std::chrono::milliseconds(std::max<qint64>(ms, 0));
    for (;;) {
        throwIfStopped();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0)
            return;
        QThread::msleep(static_cast<unsigned long>(std::min<qint64>(left, 50)));
    }
}

} // namespace dealscope
