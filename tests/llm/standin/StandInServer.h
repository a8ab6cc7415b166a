#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QTcpServer>

#include <nlohmann/json.hpp>

// A stand-in for the OpenAI Chat Completions API (the real service cannot be reached from the
// tests). Speaks HTTP/1.1 on loopback with the real wire format — JSON completions, SSE chunks
// ending with "data: [DONE]", {"error":{message,type,param,code}} bodies — and plays a scripted
// scenario chosen by the model name (Azure: the deployment name): "<scenario>" or
// "<scenario>~<tag>"; the tag gives a test its own request counter. GET /_standin/log returns
// every request it saw, with when the client closed the connection; POST /_standin/alias maps a
// fixed model name to a scenario; POST /_standin/release lets held replies go on.
class StandInServer final : public QObject
{
    Q_OBJECT
public:
    explicit StandInServer(QString apiKey, QObject *parent = nullptr);

    bool listen(quint16 port = 0);
    quint16 port() const { return m_server.serverPort(); }

    const QString &apiKey() const { return m_apiKey; }
    // Requests seen so far for this model string (scenario + tag), 1 for the first.
    int nextRequestNumber(const QString &model) { return ++m_counters[model]; }
    // Appends a record and returns its index for later updates.
    int record(nlohmann::json entry);
    void update(int index, const char *key, nlohmann::json value);
    nlohmann::json log() const { return m_log; }
    // POST /_standin/alias {"model": "fixed-name", "scenario": "ok~x"}: a client whose model name is
    // fixed (a server started with --model) plays the scenario the test picks.
    void setAlias(const QString &model, const QString &scenario) { m_aliases.insert(model, scenario); }
    QString resolve(const QString &model) const { return m_aliases.value(model, model); }
    void reset();

Q_SIGNALS:
    // POST /_standin/release: replies held by the "hold" and "hold-mid" scenarios go on.
    void released();

private:
    QTcpServer m_server;
    QString m_apiKey;
    QHash<QString, int> m_counters;
    QHash<QString, QString> m_aliases;
    nlohmann::json m_log = nlohmann::json::array();
};
