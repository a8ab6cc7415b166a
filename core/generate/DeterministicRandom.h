#pragma once

#include <QtGlobal>

#include <random>

namespace dealscope {

// Random numbers whose sequence is the same on every platform and standard library:
// std::mt19937_64 is fully specified, but std::*_distribution and libm's exp/log are not, so the
// distributions here use only IEEE-754 +, −, ×, ÷ (correctly rounded everywhere).
class DeterministicRandom final
{
public:
    explicit DeterministicRandom(quint64 seed)
        : m_engine(seed)
    { }

    quint64 bits() { return m_engine(); }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(m_engine() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n) without modulo bias.
    quint64 below(quint64 n);
    bool chance(double p) { return uniform() < p; }
    // Approximately standard normal (Irwin–Hall sum of 12 uniforms − 6; |z| ≤ 6).
    double normal();
    // exp(sigma × normal()): a log-normal factor with median 1.
    double logNormalFactor(double sigma) { return exp(sigma * normal()); }

    // e^x from the arithmetic operations only (|x| ≤ 40; relative error < 1e-15).
    static double exp(double x);

private:
    std::mt19937_64 m_engine;
};

} // namespace dealscope
