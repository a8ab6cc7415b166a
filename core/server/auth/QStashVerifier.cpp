#include "server/auth/QStashVerifier.h"

#include "common/BoundedJsonParser.h"
#include "server/auth/TokenStore.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>

#include <nlohmann/json.hpp>

namespace dealscope::server {

namespace {
constexpr auto kB64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
constexpr qint64 kClockSkewSecs = 5;

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
} // namespace

QStashVerifier::QStashVerifier(QByteArray currentKey, QByteArray nextKey)
    : m_currentKey(std::move(currentKey))
    , m_nextKey(std::move(nextKey))
{ }

std::optional<QString> QStashVerifier::verify(
    const QByteArray &jwt, const QByteArray &rawBody, const QList<QString> &calledUrls, qint64 nowSecs) const
{
    if (!isConfigured())
        return QStringLiteral("no QStash signing keys are configured");
    if (jwt.isEmpty())
        return QStringLiteral("missing Upstash-Signature header");
    std::optional<QString> firstError;
    for (const QByteArray *key : { &m_currentKey, &m_nextKey }) {
        if (key->isEmpty())
            continue;
        const auto error = verifyWithKey(*key, jwt, rawBody, calledUrls, nowSecs);
        if (!error)
            return std::nullopt;
        if (!firstError)
            firstError = error;
    }
    return firstError;
}

std::optional<QString> QStashVerifier::verifyWithKey(const QByteArray &key, const QByteArray &jwt,
    const QByteArray &rawBody, const QList<QString> &calledUrls, qint64 nowSecs) const
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return QStringLiteral("signature is not a JWT");
    const auto header = decodeSegment(parts[0]);
    if (!header || header->value("alg", std::string()) != "HS256")
        return QStringLiteral("signature header is not HS256");
    const QByteArray expected
        = QMessageAuthenticationCode::hash(parts[0] + '.' + parts[1], key, QCryptographicHash::Sha256).toBase64(kB64);
    if (!TokenStore::constantTimeEquals(expected, stripPadding(parts[2])))
        return QStringLiteral("signature does not match");
    const auto claims = decodeSegment(parts[1]);
    if (!claims)
        return QStringLiteral("signature claims are not JSON");
    try {
        if (claims->value("iss", std::string()) != "Upstash")
            return QStringLiteral("signature issuer is not Upstash");
        const QString sub = QString::fromStdString(claims->value("sub", std::string()));
        if (!calledUrls.contains(sub))
            return QStringLiteral("signature subject %1 is not this URL").arg(sub);
        if (!claims->contains("exp") || !claims->at("exp").is_number())
            return QStringLiteral("signature has no expiry");
        if (claims->at("exp").get<double>() + kClockSkewSecs < double(nowSecs))
            return QStringLiteral("signature expired");
        if (claims->contains("nbf") && claims->at("nbf").is_number()
            && claims->at("nbf").get<double>() - kClockSkewSecs > double(nowSecs))
            return QStringLiteral("signature not yet valid");
        const QByteArray bodyHash = QCryptographicHash::hash(rawBody, QCryptographicHash::Sha256).toBase64(kB64);
        const QByteArray claimed = stripPadding(QByteArray::fromStdString(claims->value("body", std::string())));
        if (!TokenStore::constantTimeEquals(bodyHash, claimed))
            return QStringLiteral("signature body hash does not match the body");
    } catch (const std::exception &) {
        return QStringLiteral("signature claims have wrong types");
    }
    return std::nullopt;
}

QByteArray QStashVerifier::sign(
    const QByteArray &key, const QString &url, const QByteArray &rawBody, qint64 nowSecs, qint64 lifetimeSecs)
{
    const std::string header = R"({"alg":"HS256","typ":"JWT"})";
    nlohmann::json claims = { { "iss", "Upstash" }, { "sub", url.toStdString() }, { "exp", nowSecs + lifetimeSecs },
        { "nbf", nowSecs }, { "iat", nowSecs }, { "jti", "jwt_" + std::to_string(nowSecs) },
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
