#include "jobs/JobId.h"

#include <QRandomGenerator>

namespace dealscope {

namespace {
// The nanoid alphabet: 64 URL-safe symbols, so 6 random bits pick one without modulo bias.
constexpr char kAlphabet[] = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
static_assert(sizeof(kAlphabet) - 1 == 64);
constexpr int kIdLength = 21;

bool inAlphabet(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'_' || u == u'-';
}
} // namespace

QString generateJobId()
{
    // 126 random bits, 6 per symbol, drawn from the system source in two 64-bit words: one
    // word per symbol cost 21 draws of the CPU's random instruction, slow under virtualisation,
    // for every job started.
    quint64 words[2];
    QRandomGenerator::system()->fillRange(words);
    QString id(kIdLength, Qt::Uninitialized);
    for (int i = 0; i < 20; ++i) // symbols 0–9 from bits 0–59 of the first word, 10–19 of the second
        id[i] = QLatin1Char(kAlphabet[(words[i / 10] >> (6 * (i % 10))) & 63u]);
    id[20] = QLatin1Char(kAlphabet[((words[0] >> 60) | ((words[1] >> 60) << 4)) & 63u]); // the 4 + 2 bits left
    return id;
}

bool isValidJobId(QStringView id)
{
    if (id.size() != kIdLength)
        return false;
    for (QChar c : id) {
        if (!inAlphabet(c))
            return false;
    }
    return true;
}

} // namespace dealscope
