// The HTTP layer of dealscope-server against hostile clients, over raw sockets to the real
// binary (memory store): request smuggling through header lines QtHttpServer reads differently,
// a body nested deep enough to overflow a recursive serialiser, slow and idle connections that
// would lock clients out, pipelined requests (each byte checked once, answers in request order),
// WebSocket upgrades, HEAD, Expect: 100-continue and media types.

#include "ServerTestSupport.h"

#include <QElapsedTimer>
#include <QTest>

using namespace servertest;

namespace {

QByteArray listingsCsv()
{
    return "id,title,industry,asking price,cash flow,gross revenue,year established\n"
           "L1,Corner Cafe,Restaurant,450000,120000,600000,2005\n"
           "L2,Car Wash Express,Car Washes,1200000,300000,900000,2012\n";
}

QByteArray request(
    const QByteArray &method, const QByteArray &path, const QByteArray &body = {}, const QByteArray &extraHeaders = {})
{
    QByteArray r = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders;
    if (!body.isEmpty() || method == "POST")
        r += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

struct Answer
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    nlohmann::json json() const
    {
        return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    }
    std::string code() const
    {
        const auto j = json();
        return j.is_object() && j.contains("error") ? j["error"].value("code", std::string()) : std::string();
    }
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// One raw connection: what QNetworkAccessManager would never send, and answers read as they
// come, interim ones included.
class RawClient
{
public:
    explicit RawClient(quint16 port, const QHostAddress &from = {})
    {
        if (!from.isNull())
            m_socket.bind(from);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.waitForConnected(5000);
    }
    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.waitForBytesWritten(5000);
    }
    // The next answer (an interim 1xx too); `noBody` for the answer to a HEAD. Waits up to `ms`.
    std::optional<Answer> next(int ms = 15000, bool noBody = false)
    {
        QElapsedTimer t;
        t.start();
        for (;;) {
            if (auto a = take(noBody))
                return a;
            if (t.elapsed() > ms || !m_socket.waitForReadyRead(int(std::max<qint64>(1, ms - t.elapsed())))) {
                m_buffer += m_socket.readAll();
                return take(noBody);
            }
            m_buffer += m_socket.readAll();
        }
    }
    // Waits until the server closes the connection; false after `ms`.
    bool waitClosed(int ms)
    {
        QElapsedTimer t;
        t.start();
        while (m_socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < ms) {
            if (m_socket.waitForReadyRead(int(std::max<qint64>(1, ms - t.elapsed()))))
                m_buffer += m_socket.readAll();
        }
        return m_socket.state() != QAbstractSocket::ConnectedState;
    }
    const QByteArray &unread() const { return m_buffer; }
    QTcpSocket &socket() { return m_socket; }

private:
    std::optional<Answer> take(bool noBody)
    {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        Answer a;
        a.head = m_buffer.left(end);
        a.status = a.head.split('\n').value(0).split(' ').value(1).toInt();
        const qint64 length
            = (a.status >= 100 && a.status < 200) || noBody ? 0 : a.header("content-length").toLongLong();
        if (m_buffer.size() < end + 4 + length)
            return std::nullopt;
        a.body = m_buffer.mid(end + 4, length);
        m_buffer.remove(0, end + 4 + length);
        return a;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

} // namespace

class TestServerHardening : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_listings;
    ServerProcess m_server;
    Http m_http;

    bool alive()
    {
        return m_http.request("GET", m_server.url(QStringLiteral("/healthz")), {}, {}, 10000).status == 200;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_listings = m_dir.filePath(QStringLiteral("listings.csv"));
        QFile f(m_listings);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(listingsCsv());
        f.close();
        // A short header deadline and small connection caps keep the lock-out cases quick.
        // market_intelligence waits in a step (cancelable) so a long-poll has something to wait for.
        QVERIFY(m_server.start({ QStringLiteral("--listings"), m_listings, QStringLiteral("--insecure-no-auth"),
                                   QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--header-timeout"),
                                   QStringLiteral("2"), QStringLiteral("--max-connections"), QStringLiteral("24"),
                                   QStringLiteral("--max-connections-per-peer"), QStringLiteral("16") },
            { { QStringLiteral("DEALSCOPE_FAILPOINTS"),
                QStringLiteral("analysis.step.market_intelligence.percentiles=delay(60000)") } }));
    }

    void cleanupTestCase() { QCOMPARE(m_server.terminate(), 0); }

    void smugglingThroughOddHeaderLinesIsRefused_data()
    {
        QTest::addColumn<QByteArray>("lengthLine");
        // Each of these was read as a Content-Length by the guard and not by QtHttpServer, which
        // then parsed the "body" as a new, unguarded request.
        QTest::newRow("obs-fold") << QByteArray("X-A: 1\r\n Content-Length: ");
        QTest::newRow("space before colon") << QByteArray("Content-Length : ");
        QTest::newRow("vertical tab") << QByteArray("\x0b"
                                                    "Content-Length: ");
    }
    void smugglingThroughOddHeaderLinesIsRefused()
    {
        QFETCH(QByteArray, lengthLine);
        // The "body" is a chunked request whose chunk is bigger than the 64 KiB body limit.
        const QByteArray hidden = "POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "20000\r\n"
            + QByteArray(0x20000, 'x') + "\r\n0\r\n\r\n";
        const QByteArray outer = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + lengthLine
            + QByteArray::number(hidden.size() - 0x20000 - 9) + "\r\n\r\n";
        RawClient c(m_server.port());
        c.send(outer + hidden);
        const auto a = c.next();
        QVERIFY(a);
        QCOMPARE(a->status, 400);
        QCOMPARE(a->code(), std::string("bad_request"));
        QVERIFY(c.waitClosed(5000));
        QVERIFY(!c.next(100)); // one answer, nothing for the hidden request
        QVERIFY(alive());
    }

    void deeplyNestedBodiesAreRefusedNotCrashing()
    {
        // Deeply nested arrays in a parameter used to overflow the stack while the error message
        // described the value (json::dump() recurses per level): the process died with every job.
        // Deeper than the cap of 64, inside the 64 KiB limit.
        const QByteArray tooDeep = "{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"params\":{\"termYears\":"
            + QByteArray(30000, '[') + QByteArray(30000, ']') + "}}";
        auto r = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")), tooDeep);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), std::string("invalid_body"));
        QVERIFY2(r.body.contains("nested deeper than 64 levels"), r.body.constData());
        // Nested within the cap but not a number: described in a few characters.
        const QByteArray nested = "{\"listingId\":\"L1\",\"analysisType\":\"valuation\",\"params\":{\"termYears\":"
            + QByteArray(50, '[') + "1" + QByteArray(50, ']') + "}}";
        r = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")), nested);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), std::string("invalid_params"));
        QVERIFY2(r.json()["error"]["message"].get<std::string>().size() < 200, r.body.constData());
        QVERIFY(alive());
    }

    void slowHeaderIsCutOffAtItsDeadline()
    {
        // One header byte at a time used to keep a connection forever (the idle timer restarted
        // with each byte). The header block now has to arrive within --header-timeout (2 s).
        RawClient c(m_server.port());
        QElapsedTimer t;
        t.start();
        c.send("GET /healthz HTTP/1.1\r\nX-Slow: ");
        QTimer drip;
        QObject::connect(&drip, &QTimer::timeout, [&] { c.socket().write("a"); });
        drip.start(300);
        const auto a = c.next(10000);
        drip.stop();
        QVERIFY(a);
        QCOMPARE(a->status, 408);
        QCOMPARE(a->code(), std::string("request_timeout"));
        QVERIFY2(t.elapsed() >= 1800 && t.elapsed() < 8000, QByteArray::number(t.elapsed()).constData());
        QVERIFY(c.waitClosed(5000));
    }

    void connectionsPerAddressAreCapped()
    {
        // --max-connections-per-peer 16: the 17th connection from one address is refused at once,
        // while other addresses still get in.
        const QHostAddress peer(QStringLiteral("127.0.0.5"));
        std::vector<std::unique_ptr<RawClient>> held;
        for (int i = 0; i < 16; ++i) {
            held.push_back(std::make_unique<RawClient>(m_server.port(), peer));
            held.back()->send(request("GET", "/healthz"));
            QCOMPARE(held.back()->next()->status, 200);
        }
        RawClient extra(m_server.port(), peer);
        const auto a = extra.next();
        QVERIFY(a);
        QCOMPARE(a->status, 503);
        QCOMPARE(a->code(), std::string("too_many_connections"));
        QVERIFY(alive());
        held.clear();
        QTRY_VERIFY_WITH_TIMEOUT(alive(), 10000);
    }

    void idleConnectionsMakeRoomForNewOnes()
    {
        // Idle keep-alive connections from other addresses fill --max-connections (24); a new
        // client still gets in: the one idle longest is closed for it.
        std::vector<std::unique_ptr<QTcpSocket>> idle;
        const QList<QHostAddress> sources { QHostAddress(QStringLiteral("127.0.0.2")),
            QHostAddress(QStringLiteral("127.0.0.3")) };
        for (int i = 0; i < 24; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            s->bind(sources[i % 2]);
            s->connectToHost(QHostAddress::LocalHost, m_server.port());
            QVERIFY(s->waitForConnected(5000));
            idle.push_back(std::move(s));
        }
        // Every slot is taken (the server may not have accepted the last ones yet: give it a
        // request to answer, which means it did).
        for (int i = 0; i < 10; ++i)
            QCOMPARE(m_http.request("GET", m_server.url(QStringLiteral("/healthz")), {}, {}, 10000).status, 200);
        int closed = 0;
        for (auto &s : idle) {
            s->waitForReadyRead(10);
            if (s->state() != QAbstractSocket::ConnectedState)
                ++closed;
        }
        QVERIFY2(closed >= 1, "no idle connection made room");
    }

    void pipelinedBytesAreCheckedOnce()
    {
        // A GET followed by a POST whose body arrives in a second read: the guard read the
        // POST's first part again when QtHttpServer had left it in the buffer, counted body bytes
        // twice and took the rest of the body for a header (431).
        const QByteArray body = "{\"listingId\":\"L2\",\"analysisType\":\"risk_assessment\",\"params\":{}}";
        const QByteArray post = request("POST", "/api/analysis/start", body);
        RawClient c(m_server.port());
        c.send(request("GET", "/healthz") + post.left(post.size() - 10));
        const auto first = c.next();
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        c.send(post.right(10));
        const auto second = c.next();
        QVERIFY(second);
        QVERIFY2(second->status == 202 || second->status == 200, second->head.constData());
        QVERIFY(c.connected());
    }

    void answersLeaveInRequestOrder()
    {
        // A long-poll answered after 1 s, then a health check: the health check is answered
        // second although it was ready first (RFC 9112 §9.3.2).
        const auto started = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")),
            "{\"listingId\":\"L1\",\"analysisType\":\"market_intelligence\",\"force\":true}");
        QVERIFY(started.status == 202 || started.status == 200);
        const QByteArray id = QByteArray::fromStdString(started.json()["jobId"].get<std::string>());
        const QByteArray done
            = m_http
                  .request("GET", m_server.url(QStringLiteral("/api/analysis/status?jobId=") + QString::fromLatin1(id)))
                  .headers.value("etag");
        RawClient c(m_server.port());
        c.send(request("GET", "/api/analysis/status?jobId=" + id + "&wait=1", {}, "If-None-Match: " + done + "\r\n")
            + request("GET", "/healthz"));
        const auto first = c.next();
        const auto second = c.next();
        QVERIFY(first && second);
        QVERIFY2(first->status == 304 || first->status == 200, first->head.constData());
        QVERIFY(first->header("x-request-id") != second->header("x-request-id"));
        QCOMPARE(second->status, 200);
        QCOMPARE(second->body, QByteArray(R"({"status":"ok"})"));
        QCOMPARE(
            m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/cancel")), "{\"jobId\":\"" + id + "\"}")
                .status,
            200);
    }

    void webSocketUpgradeGetsOneAnswer()
    {
        RawClient c(m_server.port());
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const auto a = c.next();
        QVERIFY(a);
        QCOMPARE(a->status, 400);
        QCOMPARE(a->code(), std::string("upgrade_not_supported"));
        QVERIFY(c.waitClosed(5000));
        QVERIFY(c.unread().isEmpty());
    }

    void headIsGetWithoutItsBody()
    {
        RawClient c(m_server.port());
        c.send(request("HEAD", "/api/listings/L1") + request("GET", "/api/listings/L1"));
        const auto head = c.next(15000, true);
        const auto get = c.next();
        QVERIFY(head && get);
        QCOMPARE(head->status, 200);
        QVERIFY(head->body.isEmpty());
        QCOMPARE(head->header("content-length"), QByteArray::number(get->body.size()));
        QCOMPARE(get->json()["id"].get<std::string>(), std::string("L1"));
        // A POST-only route still answers 405 to HEAD, and says what it allows.
        RawClient d(m_server.port());
        d.send(request("HEAD", "/api/analysis/start"));
        const auto refused = d.next(15000, true);
        QVERIFY(refused);
        QCOMPARE(refused->status, 405);
        QCOMPARE(refused->header("allow"), QByteArray("POST"));
        QCOMPARE(m_http.request("POST", m_server.url(QStringLiteral("/healthz")), "{}").headers.value("allow"),
            QByteArray("GET, HEAD"));
    }

    void expectContinueGetsAHundredFirst()
    {
        const QByteArray body = "{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}";
        RawClient c(m_server.port());
        c.send("POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
        const auto interim = c.next();
        QVERIFY(interim);
        QCOMPARE(interim->status, 100);
        c.send(body);
        const auto final = c.next();
        QVERIFY(final);
        QVERIFY2(final->status == 202 || final->status == 200, final->head.constData());
        // Too large: the final answer instead of the 100.
        RawClient d(m_server.port());
        d.send("POST /api/analysis/start HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n"
               "Expect: 100-continue\r\n\r\n");
        const auto refused = d.next();
        QVERIFY(refused);
        QCOMPARE(refused->status, 413);
    }

    void onlyJsonIsJson()
    {
        for (const QByteArray &type : { QByteArray("application/jsonxyz"), QByteArray("application/json-seq"),
                 QByteArray("text/plain"), QByteArray("application/xml; x=application/json") }) {
            const auto r = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")),
                "{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}", { { "Content-Type", type } });
            QCOMPARE(r.status, 415);
            QCOMPARE(r.errorCode(), std::string("unsupported_media_type"));
        }
        for (const QByteArray &type : { QByteArray("application/json"), QByteArray("application/json; charset=utf-8"),
                 QByteArray("Application/JSON ;charset=UTF-8") }) {
            const auto r = m_http.request("POST", m_server.url(QStringLiteral("/api/analysis/start")),
                "{\"listingId\":\"L1\",\"analysisType\":\"valuation\"}", { { "Content-Type", type } });
            QVERIFY2(r.status == 200 || r.status == 202, type.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestServerHardening)
#include "tst_server_hardening.moc"
