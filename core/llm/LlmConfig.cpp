#include "llm/LlmConfig.h"

#include <QNetworkRequest>
#include <QRegularExpression>
#include <QUrlQuery>

namespace dealscope::llm {

QUrl LlmConfig::chatCompletionsUrl() const
{
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (!path.endsWith(QLatin1String("/chat/completions")))
        path += QStringLiteral("/chat/completions");
    url.setPath(path);
    if (kind == Kind::Azure) {
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("api-version"));
        query.addQueryItem(QStringLiteral("api-version"), azureApiVersion);
        url.setQuery(query);
    }
    return url;
}

void LlmConfig::authorize(QNetworkRequest &request) const
{
    if (kind == Kind::Azure) {
        if (!apiKey.isEmpty())
            request.setRawHeader("api-key", apiKey.toUtf8());
        return;
    }
    if (!apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + apiKey.toUtf8());
    if (!organization.isEmpty())
        request.setRawHeader("OpenAI-Organization", organization.toUtf8());
    if (!project.isEmpty())
        request.setRawHeader("OpenAI-Project", project.toUtf8());
}

QString LlmConfig::redact(const QString &text) const
{
    QString out = text;
    if (apiKey.size() >= 4)
        out.replace(apiKey, QStringLiteral("[redacted]"));
    static const QRegularExpression keyShaped(QStringLiteral("sk-[A-Za-z0-9_\\-*]{6,}"));
    out.replace(keyShaped, QStringLiteral("sk-[redacted]"));
    // Long fragments of the key (servers print "sk-abc…xyz" or the last characters).
    if (apiKey.size() >= 16) {
        for (qsizetype i = 0; i + 12 <= apiKey.size(); ++i)
            out.replace(apiKey.mid(i, 12), QStringLiteral("[redacted]"));
    }
    return out;
}

QString LlmConfig::endpointForMessages() const
{
    return baseUrl.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment).toString();
}

} // namespace dealscope::llm
