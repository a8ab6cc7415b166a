#include "common/Failpoints.h"

#include "common/CommonLog.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>

#include <cstdlib>

namespace dealscope {

namespace {

struct Entry
{
    Failpoints::Action action = Failpoints::Action::None;
    qint64 delayMs = 0;
    qint64 remaining = 0; // fail(N): hits left that still fail
};

struct Registry
{
    QMutex mutex;
    bool loaded = false; // the environment variable is read at the first hit, not at static init
    QHash<QString, Entry> entries;
};

Registry &registry()
{
    static Registry r;
    return r;
}

// Parses "NAME=delay(MS);NAME=fail(N,transient);NAME=abort". A malformed entry is skipped with a
// warning rather than failing the process: a typo in a test's environment must not turn into a
// crash in production code paths.
QHash<QString, Entry> parseSpec(const QString &spec)
{
    static const QRegularExpression delayRe(QStringLiteral(R"(^delay\(\s*(\d{1,9})\s*\)$)"));
    static const QRegularExpression failRe(QStringLiteral(R"(^fail\(\s*(\d{1,9})\s*,\s*(transient|permanent)\s*\)$)"));

    QHash<QString, Entry> out;
    const QStringList parts = spec.split(QLatin1Char(';'), Qt::SkipEmptyParts);
    for (const QString &rawPart : parts) {
        const QString part = rawPart.trimmed();
        if (part.isEmpty())
            continue;
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            qCWarning(lcFailpoints) << "ignoring malformed failpoint entry (expected NAME=ACTION):" << part;
            continue;
        }
        const QString name = part.left(eq).trimmed();
        const QString action = part.mid(eq + 1).trimmed();
        if (name.isEmpty() || name.contains(QLatin1Char(' '))) {
            qCWarning(lcFailpoints) << "ignoring failpoint entry with an invalid name:" << part;
            continue;
        }
        Entry e;
        if (action == QLatin1String("abort")) {
            e.action = Failpoints::Action::Abort;
        } else if (const auto m = delayRe.match(action); m.hasMatch()) {
            e.action = Failpoints::Action::Delay;
            e.delayMs = m.captured(1).toLongLong();
        } else if (const auto m = failRe.match(action); m.hasMatch()) {
            e.action = m.captured(2) == QLatin1String("transient") ? Failpoints::Action::FailTransient
                                                                   : Failpoints::Action::FailPermanent;
            e.remaining = m.captured(1).toLongLong();
        } else {
            qCWarning(lcFailpoints) << "ignoring failpoint entry with an unknown action:" << part;
            continue;
        }
        if (out.contains(name))
            qCWarning(lcFailpoints) << "failpoint" << name << "configured twice; the last entry wins";
        out.insert(name, e);
    }
    return out;
}

bool envConfigured()
{
    return !qEnvironmentVariableIsEmpty("DEALSCOPE_FAILPOINTS");
}

} // namespace

std::atomic_bool Failpoints::s_enabled { envConfigured() };

Failpoints::Hit Failpoints::hit(const QString &name)
{
    if (!enabled())
        return {};
    Registry &r = registry();
    QMutexLocker lock(&r.mutex);
    if (!r.loaded) {
        r.entries = parseSpec(qEnvironmentVariable("DEALSCOPE_FAILPOINTS"));
        r.loaded = true;
        if (!r.entries.isEmpty())
            qCInfo(lcFailpoints) << "failpoints active:" << r.entries.keys();
    }
    const auto it = r.entries.find(name);
    if (it == r.entries.end())
        return {};
    Entry &e = it.value();
    switch (e.action) {
    case Action::None:
        return {};
    case Action::Delay:
        qCDebug(lcFailpoints) << "failpoint" << name << "delays" << e.delayMs << "ms";
        return { Action::Delay, e.delayMs };
    case Action::FailTransient:
    case Action::FailPermanent:
        if (e.remaining <= 0)
            return {};
        --e.remaining;
        qCInfo(lcFailpoints) << "failpoint" << name << "fails; remaining" << e.remaining;
        return { e.action, 0 };
    case Action::Abort:
        qCWarning(lcFailpoints) << "failpoint" << name << "aborts the process";
        lock.unlock();
        std::abort();
    }
    return {};
}

void Failpoints::configure(const QString &spec)
{
    Registry &r = registry();
    QMutexLocker lock(&r.mutex);
    r.entries = parseSpec(spec);
    r.loaded = true;
    s_enabled.store(!r.entries.isEmpty(), std::memory_order_relaxed);
}

} // namespace dealscope
