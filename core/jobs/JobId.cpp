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
    quint32 words[kIdLength];
    QRandomGenerator::system()->fillRange(words);
    QString id(kIdLength, Qt::Uninitialized);
    for (int i = 0; i < kIdLength; ++i)
        id[i] = QLatin1Char(kAlphabet[words[i] & 63u]);
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
