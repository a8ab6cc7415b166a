// Load generator for benchmarks/server/run.sh: drives dealscope-server over plain HTTP/1.1
// keep-alive connections (one request in flight per connection) and prints figures.
//
//   dealscope-server-loadgen listings FILE N            writes N synthetic listings (CSV)
//   dealscope-server-loadgen jobs PORT JOBS LISTINGS CONNECTIONS
//        starts JOBS jobs (LISTINGS × 4 analysis types), then polls batch status (100 ids per
//        request) until every job is terminal; prints jobs/s end to end.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>
#include <QTextStream>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>

namespace {

const char *const kTypes[] = {"business_analysis", "valuation", "risk_assessment", "market_intelligence"};

// One keep-alive connection with a single request in flight.
class Connection : public QObject
{
public:
    using Done = std::function<void(int status, const QByteArray &body)>;

    explicit Connection(quint16 port) : m_port(port)
    {
        connect(&m_socket, &QTcpSocket::readyRead, this, [this] { onRead(); });
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    }
    bool busy() const { return bool(m_done) || waiting; }
    bool waiting = false;   // parked until the next batch is due
    void send(const QByteArray &method, const QByteArray &path, const QByteArray &body, Done done)
    {
        m_done = std::move(done);
        QByteArray req = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!body.isEmpty())
            req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
        req += "\r\n" + body;
        m_socket.write(req);
    }

private:
    void onRead()
    {
        m_in += m_socket.readAll();
        for (;;) {
            const qsizetype end = m_in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = m_in.left(end);
            qsizetype len = 0;
            const qsizetype at = head.toLower().indexOf("content-length:");
            if (at >= 0)
                len = head.mid(at + 15).split('\r').value(0).trimmed().toLongLong();
            if (m_in.size() < end + 4 + len)
                return;
            const int status = head.mid(9, 3).toInt();
            const QByteArray body = m_in.mid(end + 4, len);
            m_in.remove(0, end + 4 + len);
            auto done = std::move(m_done);
            m_done = nullptr;
            if (done)
                done(status, body);
        }
    }

    quint16 m_port;
    QTcpSocket m_socket;
    QByteArray m_in;
    Done m_done;
};

// Reads a batch status reply {"jobs":[…],"missing":[…]} without building the JSON tree: only the
// id and status of each job count, and the client's parsing should not take the cores the server
// is measured on.
struct BatchReply : nlohmann::json_sax<nlohmann::json>
{
    int terminal = 0;
    int missing = 0;
    QStringList unfinished;

    int depth = 0;          // 1: the reply object, 2: jobs/missing array, 3: a job
    bool inMissing = false;
    std::string lastKey;    // the last key at depth ≤ 3 (a job's own members)
    std::string id, status;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t &) override { return true; }
    bool string(string_t &val) override
    {
        if (depth == 2 && inMissing)
            ++missing;
        else if (depth == 3 && lastKey == "id")
            id = val;
        else if (depth == 3 && lastKey == "status")
            status = val;
        return true;
    }
    bool binary(binary_t &) override { return true; }
    bool start_object(std::size_t) override
    {
        ++depth;
        if (depth == 3)
            id.clear(), status.clear();
        return true;
    }
    bool end_object() override
    {
        if (depth == 3) {
            if (status == "succeeded" || status == "failed" || status == "canceled")
                ++terminal;
            else
                unfinished << QString::fromStdString(id);
        }
        --depth;
        return true;
    }
    bool start_array(std::size_t) override
    {
        ++depth;
        if (depth == 2)
            inMissing = lastKey == "missing";
        return true;
    }
    bool end_array() override
    {
        --depth;
        return true;
    }
    bool key(string_t &val) override
    {
        if (depth <= 3)
            lastKey = val;
        return true;
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &) override { return false; }
};

int writeListings(const QString &path, int n)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return 1;
    QTextStream out(&f);
    out << "id,title,industry,asking price,cash flow,gross revenue,year established\n";
    const char *industries[] = {"Restaurant", "Car Washes", "Plumbing", "Retail", "Landscaping", "Dry Cleaning"};
    for (int i = 0; i < n; ++i) {
        const qint64 cash = 50000 + (i * 7919) % 400000;
        out << "B" << i << ",Business " << i << ',' << industries[i % 6] << ',' << cash * (2 + i % 4) << ',' << cash << ','
            << cash * (3 + i % 5) << ',' << 1980 + i % 40 << '\n';
    }
    return 0;
}

int runJobs(quint16 port, int jobs, int listings, int connections)
{
    std::vector<std::unique_ptr<Connection>> conns;
    for (int i = 0; i < connections; ++i)
        conns.push_back(std::make_unique<Connection>(port));

    QStringList ids;
    ids.reserve(jobs);
    int nextStart = 0, started = 0, errors = 0;
    QElapsedTimer clock;
    qint64 startPhaseMs = -1;
    // Batches of ids not yet terminal, oldest first. Like a real client, a batch that made no
    // progress is polled again only after a growing pause (25 ms doubling to 400 ms) instead of
    // at once: without it the poller asked for the same unfinished jobs 10x more often than
    // needed, taking the cores the workers run on.
    struct Batch
    {
        QStringList ids;
        qint64 dueMs = 0;
        int pauseMs = 25;
    };
    std::deque<Batch> pending;
    int terminal = 0;
    qint64 statusRequests = 0;
    QTextStream out(stdout);

    std::function<void(Connection *)> pump = [&](Connection *c) {
        if (nextStart < jobs) {
            const int i = nextStart++;
            const QByteArray body = "{\"listingId\":\"B" + QByteArray::number(i % listings) + "\",\"analysisType\":\""
                                    + QByteArray(kTypes[(i / listings) % 4]) + "\"}";
            c->send("POST", "/api/analysis/start", body, [&, c](int status, const QByteArray &b) {
                if (status == 202 || status == 200) {
                    const auto j = nlohmann::json::parse(b.constData(), b.constData() + b.size(), nullptr, false);
                    ids << QString::fromStdString(j.value("jobId", std::string()));
                } else {
                    ++errors;
                }
                if (++started == jobs) {
                    startPhaseMs = clock.elapsed();
                    for (qsizetype k = 0; k < ids.size(); k += 100)
                        pending.push_back(Batch{ids.mid(k, 100)});
                    for (auto &other : conns) {
                        if (!other->busy() && other.get() != c)
                            pump(other.get());
                    }
                }
                pump(c);
            });
            return;
        }
        if (started < jobs || pending.empty() || c->waiting)
            return;
        // The batch due first (the list is kept in due order).
        const qint64 now = clock.elapsed();
        if (pending.front().dueMs > now) {
            c->waiting = true;
            QTimer::singleShot(int(pending.front().dueMs - now), c, [&pump, c] {
                c->waiting = false;
                pump(c);
            });
            return;
        }
        Batch batch = std::move(pending.front());
        pending.pop_front();
        ++statusRequests;
        const QByteArray path = "/api/analysis/status?jobIds=" + batch.ids.join(QLatin1Char(',')).toUtf8();
        c->send("GET", path, {}, [&, c, batch](int status, const QByteArray &b) {
            Batch left{{}, 0, batch.pauseMs};
            BatchReply reply;
            if (status == 200 && nlohmann::json::sax_parse(b.constData(), b.constData() + b.size(), &reply)) {
                terminal += reply.terminal + reply.missing;
                left.ids = std::move(reply.unfinished);
            } else {
                left.ids = batch.ids;
            }
            if (terminal >= jobs) {
                const double secs = double(clock.elapsed()) / 1000.0;
                out << "jobs=" << jobs << " start_phase_s=" << double(startPhaseMs) / 1000.0
                    << " starts_per_s=" << qRound(jobs / (double(startPhaseMs) / 1000.0)) << " end_to_end_s=" << secs
                    << " jobs_per_s=" << qRound(jobs / secs) << " batch_status_requests=" << statusRequests << " start_errors=" << errors << Qt::endl;
                QCoreApplication::exit(errors ? 1 : 0);
                return;
            }
            if (!left.ids.isEmpty()) {
                left.pauseMs = left.ids.size() == batch.ids.size() ? std::min(400, batch.pauseMs * 2) : 25;
                left.dueMs = clock.elapsed() + left.pauseMs;
                const auto at = std::upper_bound(pending.begin(), pending.end(), left.dueMs,
                                                 [](qint64 due, const Batch &b) { return due < b.dueMs; });
                pending.insert(at, std::move(left));
            }
            pump(c);
        });
    };
    clock.start();
    for (auto &c : conns)
        pump(c.get());
    QTimer::singleShot(600000, [] {
        QTextStream(stderr) << "timed out" << Qt::endl;
        QCoreApplication::exit(2);
    });
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.value(1) == QLatin1String("listings") && a.size() == 4)
        return writeListings(a[2], a[3].toInt());
    if (a.value(1) == QLatin1String("jobs") && a.size() == 6)
        return runJobs(quint16(a[2].toUInt()), a[3].toInt(), a[4].toInt(), a[5].toInt());
    QTextStream(stderr) << "usage: dealscope-server-loadgen listings FILE N | jobs PORT JOBS LISTINGS CONNECTIONS" << Qt::endl;
    return 2;
}
