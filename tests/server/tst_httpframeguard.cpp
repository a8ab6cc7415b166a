// HttpFrameGuard: the byte counter in front of QtHttpServer, fed split, hostile and pipelined input.

#include "server/http/HttpFrameGuard.h"

#include <QTest>

using dealscope::server::HttpFrameGuard;
using V = HttpFrameGuard::Verdict;

class TestHttpFrameGuard : public QObject
{
    Q_OBJECT

    static V feedAll(HttpFrameGuard &g, const QByteArray &data, int chunk)
    {
        V v = V::Ok;
        for (qsizetype i = 0; i < data.size(); i += chunk)
            v = g.feed(data.constData() + i, std::min<qsizetype>(chunk, data.size() - i));
        return v;
    }

private Q_SLOTS:
    void verdicts_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<int>("verdict");
        const QByteArray body(100, 'b');
        QTest::newRow("small GET") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << int(V::Ok);
        QTest::newRow("POST with body") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + body)
                                        << int(V::Ok);
        QTest::newRow("pipelined") << QByteArray(
            "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + body + "GET / HTTP/1.1\r\n\r\n")
                                   << int(V::Ok);
        QTest::newRow("body at limit") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1024\r\n\r\n"
            + QByteArray(1024, 'x')) << int(V::Ok);
        QTest::newRow("declared too large")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n") << int(V::BodyTooLarge);
        QTest::newRow("huge declared") << QByteArray("POST / HTTP/1.1\r\ncontent-length: 99999999999999\r\n\r\n")
                                       << int(V::BodyTooLarge);
        QTest::newRow("negative length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
                                         << int(V::BadRequest);
        QTest::newRow("non-numeric length")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n") << int(V::BadRequest);
        QTest::newRow("overflowing length")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n") << int(V::BadRequest);
        QTest::newRow("signed length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello")
                                       << int(V::BadRequest);
        QTest::newRow("empty length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n")
                                      << int(V::BadRequest);
        QTest::newRow("upper-case name, spaced")
            << QByteArray("POST / HTTP/1.1\r\nCONTENT-LENGTH :  2000 \r\n\r\n") << int(V::BodyTooLarge);
        QTest::newRow("conflicting lengths")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") << int(V::BadRequest);
        QTest::newRow("chunked") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                                 << int(V::LengthRequired);
        QTest::newRow("headers too large")
            << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(600, 'a') + "\r\n\r\n") << int(V::HeadersTooLarge);
        QTest::newRow("never-ending header")
            << QByteArray("GET / HTTP/1.1\r\nX: " + QByteArray(5000, 'a')) << int(V::HeadersTooLarge);
        QTest::newRow("second request too large")
            << QByteArray("GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n")
            << int(V::BodyTooLarge);
        QTest::newRow("leading blank lines") << QByteArray("\r\n\r\nGET / HTTP/1.1\r\n\r\n") << int(V::Ok);
    }

    void verdicts()
    {
        QFETCH(QByteArray, stream);
        QFETCH(int, verdict);
        // Whole, byte by byte and in odd chunks: the verdict must not depend on how TCP splits it.
        for (int chunk : { int(stream.size()), 1, 3, 7, 64 }) {
            HttpFrameGuard g(512, 1024);
            QCOMPARE(int(feedAll(g, stream, std::max(1, chunk))), verdict);
        }
    }

    void verdictIsSticky()
    {
        HttpFrameGuard g(512, 1024);
        const QByteArray bad("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
        QCOMPARE(g.feed(bad.constData(), bad.size()), V::BodyTooLarge);
        const QByteArray good("GET / HTTP/1.1\r\n\r\n");
        QCOMPARE(g.feed(good.constData(), good.size()), V::BodyTooLarge);
    }

    void bodyBytesAreNotMistakenForHeaders()
    {
        // A body that contains CRLFCRLF and "Content-Length" must be skipped as body.
        HttpFrameGuard g(512, 1024);
        const QByteArray body("\r\n\r\nContent-Length: 999999\r\n\r\n");
        const QByteArray req = "POST / HTTP/1.1\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
            + body + "GET / HTTP/1.1\r\n\r\n";
        QCOMPARE(feedAll(g, req, 5), V::Ok);
    }
};

QTEST_GUILESS_MAIN(TestHttpFrameGuard)
#include "tst_httpframeguard.moc"
