#pragma once

#include "llm/PriceTable.h"

#include <QString>
#include <QUrl>

class QNetworkRequest;

namespace dealscope::llm {

// How to reach an OpenAI-compatible Chat Completions endpoint. Holds the API key in memory only:
// it goes into a request header and nowhere else (never logged, never in an error message —
// redact() scrubs text that came back from the server).
struct LlmConfig final
{
    enum class Kind { OpenAI, Azure };

    Kind kind = Kind::OpenAI;
    // OpenAI: the API base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama).
    // Azure: the deployment URL, e.g. https://RES.openai.azure.com/openai/deployments/DEPLOYMENT.
    QUrl baseUrl = QUrl(QStringLiteral("https://api.openai.com/v1"));
    QString model = QStringLiteral("gpt-4o-mini"); // Azure: informational, the deployment decides
    QString apiKey;
    QString organization; // OpenAI-Organization header, optional
    QString project; // OpenAI-Project header, optional
    QString azureApiVersion = QStringLiteral("2024-10-21");

    bool stream = true;
    int maxCompletionTokens = 1500;
    double temperature = 0.2;
    int connectTimeoutMs = 10'000; // until the request is on the wire
    int idleTimeoutMs = 30'000; // streaming: longest silence between chunks (and before the first)
    int totalTimeoutMs = 180'000; // whole request
    PriceTable prices = PriceTable::builtin();

    QString providerName() const { return kind == Kind::Azure ? QStringLiteral("azure") : QStringLiteral("openai"); }
    QUrl chatCompletionsUrl() const;
    // Sets the authentication and organization headers.
    void authorize(QNetworkRequest &request) const;
    // Removes the key (and anything shaped like an OpenAI key) from text that may be shown.
    QString redact(const QString &text) const;
    // host:port of the endpoint, for messages (never the query, which is harmless, but short is better).
    QString endpointForMessages() const;
};

} // namespace dealscope::llm
