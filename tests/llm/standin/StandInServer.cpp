#include "StandInServer.h"

#include "StandInExchange.h"

#include <QTcpSocket>

StandInServer::StandInServer(QString apiKey, QObject *parent)
    : QObject(parent)
    , m_apiKey(std::move(apiKey))
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection())
            new StandInExchange(socket, this);
    });
}

bool StandInServer::listen(quint16 port)
{
    return m_server.listen(QHostAddress::LocalHost, port);
}

int StandInServer::record(nlohmann::json entry)
{
    entry["index"] = m_log.size();
    m_log.push_back(std::move(entry));
    return static_cast<int>(m_log.size()) - 1;
}

void StandInServer::update(int index, const char *key, nlohmann::json value)
{
    if (index >= 0 && index < static_cast<int>(m_log.size()))
        m_log[index][key] = std::move(value);
}

void StandInServer::reset()
{
    m_counters.clear();
    m_aliases.clear();
    m_log = nlohmann::json::array();
}
