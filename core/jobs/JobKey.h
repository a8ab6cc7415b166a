#pragma once

#include <QHashFunctions>
#include <QString>

namespace dealscope {

struct Job;

// The (listingId, analysisType) pair a job analyses: what dedup, trackers and the in-flight
// registry key on (SPEC §3). One owner's view; a server adds the tenant beside it.
struct JobKey final
{
    QString listingId;
    QString analysisType;

    static JobKey of(const Job &job);
    bool operator==(const JobKey &) const = default;
};

inline size_t qHash(const JobKey &key, size_t seed = 0) noexcept
{
    return qHashMulti(seed, key.listingId, key.analysisType);
}

} // namespace dealscope
