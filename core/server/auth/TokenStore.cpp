#include "server/auth/TokenStore.h"

#include "common/BoundedJsonParser.h"
#include "common/JsonQt.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>

#include <nlohmann/json.hpp>

namespace dealscope::server {

namespace {
QByteArray randomBytes(int n)
{
    QByteArray bytes(n, Qt::Uninitialized);
    auto *gen = QRandomGenerator::system();
    for (int i = 0; i < n; ++i)
        bytes[i] = char(gen->bounded(256));
    return bytes;
}

QByteArray sha256Hex(QByteArrayView data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}
} // namespace

bool TokenStore::isValidTenant(const QString &tenant)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
    return re.match(tenant).hasMatch();
}

bool TokenStore::constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // No early exit: the time depends only on the lengths, never on where the bytes differ.
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const qsizetype n = qMin(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

bool TokenStore::load(const QString &path, QString *error)
{
    m_entries.clear();
    QFile file(path);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read token file %1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray data = file.readAll();
    if (data.trimmed().isEmpty())
        return true;
    try {
        const auto parsed = BoundedJsonParser::parse(data);
        if (!parsed.ok())
            throw std::invalid_argument(parsed.message().toStdString());
        const nlohmann::json &doc = parsed.value;
        for (const auto &t : doc.at("tokens")) {
            Entry e;
            e.id = t.at("id").get<QString>();
            e.tenant = t.at("tenant").get<QString>();
            e.sha256 = QByteArray::fromStdString(t.at("sha256").get<std::string>());
            e.createdAt = QString::fromStdString(t.value("createdAt", std::string()));
            if (e.sha256.size() != 64 || !isValidTenant(e.tenant))
                throw std::invalid_argument("bad token entry");
            m_entries.append(e);
        }
    } catch (const std::exception &ex) {
        *error = QStringLiteral("token file %1 is not valid: %2").arg(path, QString::fromUtf8(ex.what()));
        m_entries.clear();
        return false;
    }
    return true;
}

bool TokenStore::save(const QString &path, QString *error) const
{
    nlohmann::json tokens = nlohmann::json::array();
    for (const Entry &e : m_entries)
        tokens.push_back({ { "id", e.id }, { "tenant", e.tenant }, { "sha256", e.sha256.toStdString() },
            { "createdAt", e.createdAt } });
    const std::string text = nlohmann::json({ { "tokens", tokens } }).dump(2) + "\n";
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write token file %1: %2").arg(path, file.errorString());
        return false;
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(text.data(), qint64(text.size()));
    if (!file.commit()) {
        *error = QStringLiteral("cannot write token file %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QString TokenStore::add(const QString &tenant)
{
    const QByteArray token
        = "ds_" + randomBytes(32).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    Entry e;
    e.id = QStringLiteral("tok_") + QString::fromLatin1(randomBytes(6).toHex());
    e.tenant = tenant;
    e.sha256 = sha256Hex(token);
    e.createdAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    m_entries.append(e);
    return QString::fromLatin1(token);
}

int TokenStore::revoke(const QString &idOrTenant)
{
    return int(m_entries.removeIf([&](const Entry &e) { return e.id == idOrTenant || e.tenant == idOrTenant; }));
}

std::optional<QString> TokenStore::tenantFor(QByteArrayView presentedToken) const
{
    const QByteArray hash = sha256Hex(presentedToken);
    std::optional<QString> found;
    for (const Entry &e : m_entries) {
        if (constantTimeEquals(hash, e.sha256) && !found)
            found = e.tenant;
    }
    return found;
}

} // namespace dealscope::server
