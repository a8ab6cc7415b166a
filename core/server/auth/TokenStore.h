#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace dealscope::server {

// The API tokens of dealscope-server (`--tokens FILE`). The file holds only the SHA-256 of each
// token, so a leaked file does not leak a usable token; the token itself is shown once by `add`.
class TokenStore final
{
public:
    struct Entry
    {
        QString id; // short public handle for list/revoke ("tok_…")
        QString tenant;
        QByteArray sha256; // hex
        QString createdAt; // ISO 8601 UTC
    };

    // Reads FILE; a missing file is an empty store. Returns false with `error` set on a bad file.
    bool load(const QString &path, QString *error);
    // Writes atomically (QSaveFile) with owner-only permissions.
    bool save(const QString &path, QString *error) const;

    // Adds a new random token for `tenant` and returns it (the only time it is visible).
    QString add(const QString &tenant);
    // Removes by id, or every token of a tenant when `idOrTenant` names one. Returns how many.
    int revoke(const QString &idOrTenant);
    const QList<Entry> &entries() const { return m_entries; }

    // The tenant of a presented token, compared in constant time against every stored hash.
    std::optional<QString> tenantFor(QByteArrayView presentedToken) const;

    static bool isValidTenant(const QString &tenant);
    static bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

private:
    QList<Entry> m_entries;
};

} // namespace dealscope::server
