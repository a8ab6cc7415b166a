#include "generate/DeterministicRandom.h"

namespace dealscope {

quint64 DeterministicRandom::below(quint64 n)
{
    if (n <= 1)
        return 0;
    const quint64 limit = ~quint64(0) - (~quint64(0) % n);
    quint64 v;
    do {
        v = m_engine();
    } while (v >= limit);
    return v % n;
}

double DeterministicRandom::normal()
{
    double sum = 0;
    for (int i = 0; i < 12; ++i)
        sum += uniform();
    return sum - 6.0;
}

double DeterministicRandom::exp(double x)
{
    if (x > 40)
        x = 40;
    if (x < -40)
        x = -40;
    // e^x = (e^(x / 2^10))^(2^10); the Taylor series converges fast for |x / 1024| < 0.04.
    const double r = x / 1024.0;
    double term = 1.0, sum = 1.0;
    for (int k = 1; k <= 12; ++k) {
        term = term * r / k;
        sum += term;
    }
    for (int i = 0; i < 10; ++i)
        sum *= sum;
    return sum;
}

} // namespace dealscope
