#pragma once

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTcpSocket>
#include <QTimer>

#include <nlohmann/json.hpp>

class StandInServer;

// One HTTP/1.1 connection of the stand-in: reads one request, answers it following the scenario
// (immediately, as a timed SSE stream, or never) and closes. Deletes itself when the socket closes.
class StandInExchange final : public QObject
{
    Q_OBJECT
public:
    StandInExchange(QTcpSocket *socket, StandInServer *server);

private:
    void onReadyRead();
    void onDisconnected();
    void handle();
    void handleChat(const QString &model, bool azure);
    void sendResponse(int status, const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers = {},
        const QByteArray &contentType = "application/json");
    void sendJson(int status, const nlohmann::json &body, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    void sendError(int status, const QString &message, const char *type, const char *param, const char *code,
        const QList<QPair<QByteArray, QByteArray>> &headers = {});
    void sendCompletion(const QString &content, const QString &refusal);
    void startStream(
        const QStringList &contentPieces, const QStringList &refusalPieces, int intervalMs, bool stallAfterFirst);
    void streamNext();
    nlohmann::json chunk(const nlohmann::json &delta, const nlohmann::json &finishReason) const;
    void writeEvent(const nlohmann::json &payload);
    QString narrativeJson(bool valid) const;
    qint64 promptTokens() const;

    QPointer<QTcpSocket> m_socket;
    StandInServer *m_server;
    QByteArray m_buffer;
    bool m_headersDone = false;
    qsizetype m_contentLength = 0;
    QByteArray m_method;
    QByteArray m_target;
    QHash<QByteArray, QByteArray> m_headers;
    nlohmann::json m_body;
    QString m_model;
    int m_recordIndex = -1;
    bool m_responding = false;
    bool m_finished = false;
    // streaming
    QTimer m_streamTimer;
    QStringList m_pieces;
    QStringList m_refusalPieces;
    int m_next = 0;
    bool m_stall = false;
    int m_truncateAfter = -1; // close the connection after this many pieces, without finish/[DONE]
    int m_holdAfter = -1; // stay silent after this many pieces until POST /_standin/release
    bool m_holding = false;
    bool m_includeUsage = false;
    qint64 m_completionChars = 0;
};
