#include "server/auth/QStashVerifier.h"

#include "common/BoundedJsonParser.h"
#include "server/auth/TokenStore.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>

#include <nlohmann/json.hpp>

#include <cmath>

namespace dealscope::server {

namespace {
constexpr auto kB64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

QByteArray stripPadding(QByteArray s)
{
    while (s.endsWith('='))
        s.chop(1);
    return s;
}

std::optional<nlohmann::json> decodeSegment(const QByteArray &segment)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        segment, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    auto parsed = BoundedJsonParser::parse(decoded.decoded);
    if (!parsed.ok() || !parsed.value.is_object())
        return std::nullopt;
    return std::move(parsed.value);
}

// The string member `name`, or nullopt when absent or not a string.
std::optional<std::string> stringMember(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string())
        return std::nullopt;
    return it->get<std::string>();
}

// The numeric member `name` (seconds), or nullopt when absent or not a finite number.
std::optional<double> numberMember(const nlohmann::json &object, const char *name)
{
    const auto it = object.find(name);
    if (it == object.end() || !it->is_number())
        return std::nullopt;
    const double v = it->get<double>();
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

QStashVerifier::Result failed(const QString &why)
{
    QStashVerifier::Result r;
    r.error = why;
    return r;
}
} // namespace

QStashVerifier::QStashVerifier(QByteArray currentKey, QByteArray nextKey)
    : m_currentKey(std::move(currentKey))
    , m_nextKey(std::move(nextKey))
{ }

QStashVerifier::Result QStashVerifier::verify(
    const QByteArray &jwt, const QByteArray &rawBody, const QList<QString> &calledUrls, qint64 nowSecs) const
{
    if (!isConfigured())
        return failed(QStringLiteral("no QStash signing keys are configured"));
    if (jwt.isEmpty())
        return failed(QStringLiteral("missing Upstash-Signature header"));
    std::optional<Result> first;
    for (const QByteArray *key : { &m_currentKey, &m_nextKey }) {
        if (key->isEmpty())
            continue;
        Result r = verifyWithKey(*key, jwt, rawBody, calledUrls, nowSecs);
        if (r.ok())
            return r;
        if (!first)
            first = std::move(r);
    }
    return *first;
}

QStashVerifier::Result QStashVerifier::verifyWithKey(const QByteArray &key, const QByteArray &jwt,
    const QByteArray &rawBody, const QList<QString> &calledUrls, qint64 nowSecs) const
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return failed(QStringLiteral("signature is not a JWT"));
    const auto header = decodeSegment(parts[0]);
    if (!header || stringMember(*header, "alg") != "HS256")
        return failed(QStringLiteral("signature header is not HS256"));
    const QByteArray expected
        = QMessageAuthenticationCode::hash(parts[0] + '.' + parts[1], key, QCryptographicHash::Sha256).toBase64(kB64);
    if (!TokenStore::constantTimeEquals(expected, stripPadding(parts[2])))
        return failed(QStringLiteral("signature does not match"));
    const auto claims = decodeSegment(parts[1]);
    if (!claims)
        return failed(QStringLiteral("signature claims are not JSON"));
    if (stringMember(*claims, "iss") != "Upstash")
        return failed(QStringLiteral("signature issuer is not Upstash"));
    const QString sub = QString::fromStdString(stringMember(*claims, "sub").value_or(std::string()));
    if (!calledUrls.contains(sub))
        return failed(QStringLiteral("signature subject %1 is not this URL").arg(sub.left(200)));
    const auto exp = numberMember(*claims, "exp");
    if (!exp)
        return failed(QStringLiteral("signature has no expiry"));
    if (*exp + double(kClockSkewSecs) < double(nowSecs))
        return failed(QStringLiteral("signature expired"));
    // QStash signs for minutes; a token good for longer could not be remembered until it expires.
    if (*exp > double(nowSecs + kMaxLifetimeSecs))
        return failed(QStringLiteral("signature expires too far ahead"));
    if (const auto nbf = numberMember(*claims, "nbf"); nbf && *nbf - double(kClockSkewSecs) > double(nowSecs))
        return failed(QStringLiteral("signature not yet valid"));
    const QByteArray bodyHash = QCryptographicHash::hash(rawBody, QCryptographicHash::Sha256).toBase64(kB64);
    const QByteArray claimed
        = stripPadding(QByteArray::fromStdString(stringMember(*claims, "body").value_or(std::string())));
    if (!TokenStore::constantTimeEquals(bodyHash, claimed))
        return failed(QStringLiteral("signature body hash does not match the body"));
    Result ok;
    const auto jti = stringMember(*claims, "jti");
    const QByteArray identity = jti && !jti->empty() ? QByteArray("jti:") + QByteArray::fromStdString(*jti)
                                                     : QByteArray("sig:") + stripPadding(parts[2]);
    ok.replayKey = QCryptographicHash::hash(identity, QCryptographicHash::Sha256).toHex();
    ok.expiresAtSecs = qint64(std::ceil(*exp)) + kClockSkewSecs;
    return ok;
}

QByteArray QStashVerifier::sign(
    const QByteArray &key, const QString &url, const QByteArray &rawBody, qint64 nowSecs, qint64 lifetimeSecs)
{
    const std::string header = R"({"alg":"HS256","typ":"JWT"})";
    const std::string jti = "jwt_" + QByteArray::number(QRandomGenerator::global()->generate64(), 16).toStdString();
    nlohmann::json claims = { { "iss", "Upstash" }, { "sub", url.toStdString() }, { "exp", nowSecs + lifetimeSecs },
        { "nbf", nowSecs }, { "iat", nowSecs }, { "jti", jti },
        { "body",
            QCryptographicHash::hash(rawBody, QCryptographicHash::Sha256)
                .toBase64(QByteArray::Base64UrlEncoding)
                .toStdString() } };
    const QByteArray signingInput = QByteArray::fromStdString(header).toBase64(kB64) + '.'
        + QByteArray::fromStdString(claims.dump()).toBase64(kB64);
    return signingInput + '.'
        + QMessageAuthenticationCode::hash(signingInput, key, QCryptographicHash::Sha256).toBase64(kB64);
}

} // namespace dealscope::server
