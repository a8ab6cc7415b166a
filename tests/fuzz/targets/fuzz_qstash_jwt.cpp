// QStash JWT verification on arbitrary tokens and bodies: valid or a reason, never a throw; a
// token accepted for one body is refused for any other.

#include "server/auth/QStashVerifier.h"

#include <cstdint>
#include <cstdlib>

using dealscope::server::QStashVerifier;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // token \n body
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype split = input.indexOf('\n');
    const QByteArray jwt = split < 0 ? input : input.left(split);
    const QByteArray body = split < 0 ? QByteArray() : input.mid(split + 1);
    const QString url = QStringLiteral("https://jobs.example.com/api/analysis/consume");
    const qint64 now = 1'800'000'000;
    const QStashVerifier verifier("fuzz-current-key", "fuzz-next-key");
    const auto r = verifier.verify(jwt, body, { url }, now);
    if (r.ok()) {
        if (r.replayKey.size() != 64 || r.expiresAtSecs < now)
            std::abort();
        if (verifier.verify(jwt, body + 'x', { url }, now).ok())
            std::abort();
    } else if (r.error->isEmpty()) {
        std::abort();
    }
    // A token this side signs for the input body is accepted.
    if (!verifier.verify(QStashVerifier::sign("fuzz-next-key", url, body, now), body, { url }, now).ok())
        std::abort();
    return 0;
}
