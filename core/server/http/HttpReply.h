#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace dealscope::server {

using HeaderPairs = QList<QPair<QByteArray, QByteArray>>;

// "HTTP/1.1 489 Permanent Failure\r\n" — written by hand because the responder of QtHttpServer 6.4
// only knows the standard codes and QStash's 489 is not one of them.
QByteArray statusLine(int status);
QByteArray reasonPhrase(int status);
// {"error":{"code","message","requestId"}}
QByteArray errorBody(const QByteArray &code, const QString &message, const QString &requestId);

} // namespace dealscope::server
