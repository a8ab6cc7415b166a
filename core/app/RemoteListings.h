#pragma once

#include "domain/Listing.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace dealscope {

// The listings a job server offers (GET /api/listings, paged by `offset`/`limit`, SPEC §5), read
// without blocking the calling thread, page after page, for the desktop's table in server mode.
class RemoteListings final : public QObject
{
    Q_OBJECT
public:
    explicit RemoteListings(QObject *parent = nullptr);
    ~RemoteListings() override;

    // Reads every page of `server`'s listings; one read still running is abandoned first.
    void fetch(const QUrl &server, const QString &token, int pageSize = 500);
    void abort();
    bool isRunning() const { return !m_reply.isNull(); }

Q_SIGNALS:
    // Every listing of the server (`total` of them), or why they could not be read.
    void finished(const QUrl &server, const QList<dealscope::Listing> &listings, const QString &error);

private:
    void requestPage();
    void onPage(QNetworkReply *reply);

    QNetworkAccessManager *m_nam;
    QPointer<QNetworkReply> m_reply;
    QUrl m_server;
    QString m_token;
    int m_pageSize = 500;
    qint64 m_offset = 0; // listings the server sent so far (readable or not)
    QList<Listing> m_listings;
};

} // namespace dealscope
