// Load generator for benchmarks/server/run.sh: drives dealscope-server over plain HTTP/1.1
// keep-alive connections (one request in flight per connection) and prints figures.
//
//   dealscope-server-loadgen listings FILE N            writes N synthetic listings (CSV)
//   dealscope-server-loadgen jobs PORT JOBS LISTINGS CONNECTIONS
//        starts JOBS jobs (LISTINGS × 4 analysis types), then polls batch status (100 ids per
//        request) until every job is terminal; prints jobs/s end to end and its own CPU time.
//
// The client shares the 2 cores with the server it measures, so it is written like wrk: raw
// non-blocking sockets on one epoll loop, no Qt event loop, no JSON tree per reply. The Qt
// version of this client took ~57 µs of CPU per job, about a sixth of the whole run.

#include <QCoreApplication>
#include <QFile>
#include <QTextStream>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <set>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

const char *const kTypes[] = { "business_analysis", "valuation", "risk_assessment", "market_intelligence" };

// Reads a batch status reply {"jobs":[…],"missing":[…]}: only each job's id, status, createdAt
// and finishedAt count. A scanner that skips everything else (the results are most of the
// bytes: 100 jobs are ~280 KB) instead of a JSON parser: with nlohmann's SAX parser the client
// spent ~2 ms per reply, and its single thread, not the server, set the end of the run.
class BatchReply final
{
public:
    int terminal = 0;
    int missing = 0;
    std::vector<std::string> unfinished;
    std::int64_t firstCreatedAt = 0, lastFinishedAt = 0; // of the jobs in this reply

    bool parse(std::string_view text)
    {
        p = text.data();
        end = p + text.size();
        return members([&](std::string_view key) {
            ws();
            if (key == "jobs" && peek() == '[')
                return jobs();
            if (key == "missing" && peek() == '[')
                return missingIds();
            return skipValue();
        });
    }

private:
    const char *p = nullptr;
    const char *end = nullptr;

    char peek() const { return p < end ? *p : '\0'; }
    void ws()
    {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            ++p;
    }
    bool expect(char c)
    {
        ws();
        if (peek() != c)
            return false;
        ++p;
        return true;
    }
    // A string's raw contents (escapes left as they are: ids and statuses have none).
    bool string(std::string_view &out)
    {
        ws();
        if (peek() != '"')
            return false;
        const char *from = ++p;
        while (p < end && *p != '"')
            p += *p == '\\' ? 2 : 1;
        if (p >= end)
            return false;
        out = std::string_view(from, std::size_t(p - from));
        ++p;
        return true;
    }
    static bool endsScalar(char c)
    {
        return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
    bool skipValue()
    {
        ws();
        if (p >= end)
            return false;
        if (*p == '"') {
            std::string_view ignored;
            return string(ignored);
        }
        if (*p != '{' && *p != '[') { // a number or a literal
            const char *from = p;
            while (p < end && !endsScalar(*p))
                ++p;
            return p > from;
        }
        int depth = 0;
        while (p < end) {
            const char c = *p;
            if (c == '"') {
                std::string_view ignored;
                if (!string(ignored))
                    return false;
                continue;
            }
            if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    ++p;
                    return true;
                }
            }
            ++p;
        }
        return false;
    }
    bool integer(std::int64_t &out)
    {
        ws();
        const char *from = p;
        out = 0;
        while (p < end && *p >= '0' && *p <= '9')
            out = out * 10 + (*p++ - '0');
        return p > from && (p == end || endsScalar(*p));
    }
    // The members of the object at p: each(key) reads the value after the ':'. False when malformed.
    template <typename Each> bool members(Each each)
    {
        if (!expect('{'))
            return false;
        for (bool first = true;; first = false) {
            ws();
            if (peek() == '}')
                return ++p, true;
            std::string_view key;
            if ((!first && !expect(',')) || !string(key) || !expect(':') || !each(key))
                return false;
        }
    }
    // The elements of the array at p: each() reads one. False when malformed.
    template <typename Each> bool elements(Each each)
    {
        if (!expect('['))
            return false;
        for (bool first = true;; first = false) {
            ws();
            if (peek() == ']')
                return ++p, true;
            if ((!first && !expect(',')) || !each())
                return false;
        }
    }
    bool jobs()
    {
        return elements([&] {
            std::string_view id, status;
            const bool read = members([&](std::string_view key) {
                if (key == "id" || key == "status")
                    return string(key == "id" ? id : status);
                ws();
                if ((key == "createdAt" || key == "finishedAt") && peek() >= '0' && peek() <= '9') {
                    std::int64_t n = 0;
                    if (!integer(n))
                        return false;
                    if (key == "createdAt")
                        firstCreatedAt = firstCreatedAt ? std::min(firstCreatedAt, n) : n;
                    else
                        lastFinishedAt = std::max(lastFinishedAt, n);
                    return true;
                }
                return skipValue();
            });
            if (!read)
                return false;
            if (status == "succeeded" || status == "failed" || status == "canceled")
                ++terminal;
            else
                unfinished.emplace_back(id);
            return true;
        });
    }
    bool missingIds()
    {
        return elements([&] {
            std::string_view id;
            if (!string(id))
                return false;
            ++missing;
            return true;
        });
    }
};

// The value of a header in a response head, matched without regard to case ("" when absent).
std::string_view headerValue(std::string_view head, std::string_view name)
{
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;) {
        const std::size_t lineStart = at + 2;
        const std::size_t lineEnd = std::min(head.find("\r\n", lineStart), head.size());
        const std::string_view line = head.substr(lineStart, lineEnd - lineStart);
        if (line.size() > name.size() && line[name.size()] == ':'
            && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
               })) {
            std::string_view v = line.substr(name.size() + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
                v.remove_prefix(1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
                v.remove_suffix(1);
            return v;
        }
        at = lineEnd < head.size() ? lineEnd : std::string_view::npos;
    }
    return {};
}

// The string value of a top-level member of a small JSON object, e.g. "jobId" of a start reply
// (whose ids are URL-safe: no escapes to undo).
std::string stringMember(std::string_view body, std::string_view key)
{
    std::string needle;
    needle.reserve(key.size() + 4);
    needle.append(1, '"').append(key).append("\":\"");
    const std::size_t at = body.rfind(needle); // the top-level jobId is the last member
    if (at == std::string_view::npos)
        return {};
    const std::size_t from = at + needle.size();
    const std::size_t to = body.find('"', from);
    return to == std::string_view::npos ? std::string() : std::string(body.substr(from, to - from));
}

double cpuSeconds()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class JobsRun final
{
public:
    JobsRun(quint16 port, int jobs, int listings, int connections)
        : m_port(port)
        , m_jobs(jobs)
        , m_listings(listings)
        , m_conns(std::size_t(connections))
    {
        m_ids.reserve(std::size_t(jobs));
    }

    int exec()
    {
        m_epoll = epoll_create1(0);
        if (m_epoll < 0)
            return fail("epoll_create1");
        for (std::size_t i = 0; i < m_conns.size(); ++i)
            if (!open(i))
                return 1;
        m_clock = Clock::now();
        const double cpuAtStart = cpuSeconds();
        for (std::size_t i = 0; i < m_conns.size(); ++i)
            pump(i);
        epoll_event events[64];
        while (!m_done) {
            if (elapsedMs() > 600000) {
                std::fprintf(stderr, "timed out\n");
                return 2;
            }
            const int n = epoll_wait(m_epoll, events, 64, pollTimeoutMs());
            if (n < 0 && errno != EINTR)
                return fail("epoll_wait");
            for (int e = 0; e < n && !m_done; ++e)
                if (!onReadable(events[e].data.u32))
                    return 1;
            wakeDue();
        }
        const double secs = double(elapsedMs()) / 1000.0;
        // The server's own view: from the first job created to the last one finished, without
        // the client's polling pauses at the end.
        const double serverSecs = double(m_lastFinishedAt - m_firstCreatedAt) / 1000.0;
        std::printf(
            "jobs=%d start_phase_s=%.3f starts_per_s=%lld end_to_end_s=%.3f jobs_per_s=%lld batch_status_requests=%lld "
            "start_errors=%d loadgen_cpu_s=%.2f server_created_to_finished_s=%.3f\n",
            m_jobs, double(m_startPhaseMs) / 1000.0, std::llround(m_jobs / (double(m_startPhaseMs) / 1000.0)), secs,
            std::llround(m_jobs / secs), m_statusRequests, m_errors, cpuSeconds() - cpuAtStart, serverSecs);
        return m_errors ? 1 : 0;
    }

private:
    using Clock = std::chrono::steady_clock;
    enum class Kind { None, Start, Status };
    struct Batch
    {
        std::vector<std::string> ids;
        long long dueMs = 0;
        int pauseMs = 25;
        int index = 0; // in start order
    };
    struct Conn
    {
        int fd = -1;
        Kind kind = Kind::None;
        bool waiting = false; // parked until the next batch is due
        std::string in;
        Batch batch; // the batch in flight (Kind::Status)
    };

    long long elapsedMs() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_clock).count();
    }
    static int fail(const char *what)
    {
        std::perror(what);
        return 1;
    }

    bool open(std::size_t i)
    {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(m_port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0)
            return fail("connect") == 0;
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u32 = quint32(i);
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
        m_conns[i].fd = fd;
        return true;
    }

    // Requests are small (a start body or 100 ids): the socket buffer always takes them whole.
    bool send(Conn &c, Kind kind, const std::string &request)
    {
        c.kind = kind;
        for (std::size_t sent = 0; sent < request.size();) {
            const ssize_t n = ::write(c.fd, request.data() + sent, request.size() - sent);
            if (n < 0 && errno != EINTR)
                return fail("write") == 0;
            sent += std::size_t(std::max<ssize_t>(n, 0));
        }
        return true;
    }

    void pump(std::size_t i)
    {
        Conn &c = m_conns[i];
        if (m_nextStart < m_jobs) {
            const int k = m_nextStart++;
            const std::string body = "{\"listingId\":\"B" + std::to_string(k % m_listings) + "\",\"analysisType\":\""
                + kTypes[(k / m_listings) % 4] + "\"}";
            send(c, Kind::Start,
                "POST /api/analysis/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                "application/json\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n\r\n" + body);
            return;
        }
        if (m_started < m_jobs || m_pending.empty() || c.waiting)
            return;
        // The batch due first (the list is kept in due order). Like a real client, a batch that
        // made no progress is polled again only after a growing pause (25 ms doubling to 400 ms).
        if (m_pending.front().dueMs > elapsedMs()) {
            c.waiting = true;
            return;
        }
        c.batch = std::move(m_pending.front());
        m_pending.pop_front();
        ++m_statusRequests;
        std::string path = "/api/analysis/status?jobIds=";
        for (std::size_t k = 0; k < c.batch.ids.size(); ++k)
            path += (k ? "," : "") + c.batch.ids[k];
        send(c, Kind::Status, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }

    int pollTimeoutMs() const
    {
        if (m_pending.empty() || std::none_of(m_conns.begin(), m_conns.end(), [](const Conn &c) { return c.waiting; }))
            return 1000;
        return int(std::clamp<long long>(m_pending.front().dueMs - elapsedMs(), 0, 1000));
    }

    void wakeDue()
    {
        if (m_pending.empty() || m_pending.front().dueMs > elapsedMs())
            return;
        for (std::size_t i = 0; i < m_conns.size(); ++i) {
            if (m_conns[i].waiting) {
                m_conns[i].waiting = false;
                pump(i);
            }
        }
    }

    bool onReadable(quint32 i)
    {
        Conn &c = m_conns[i];
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                c.in.append(buf, std::size_t(n));
                if (std::size_t(n) < sizeof buf)
                    break;
                continue;
            }
            if (n == 0) {
                std::fprintf(stderr, "the server closed connection %u\n", i);
                return false;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno != EINTR)
                return fail("recv") == 0;
        }
        for (;;) {
            const std::size_t end = c.in.find("\r\n\r\n");
            if (end == std::string::npos)
                return true;
            const std::string_view head(c.in.data(), end);
            const std::string_view lengthText = headerValue(head, "content-length");
            std::size_t length = 0;
            for (char ch : lengthText)
                length = length * 10 + std::size_t(ch - '0');
            if (c.in.size() < end + 4 + length)
                return true;
            const int status = head.size() > 12 ? std::atoi(std::string(head.substr(9, 3)).c_str()) : 0;
            const std::string_view body(c.in.data() + end + 4, length);
            const Kind kind = std::exchange(c.kind, Kind::None);
            if (kind == Kind::Start)
                onStarted(status, body);
            else if (kind == Kind::Status)
                onStatus(c, status, body);
            c.in.erase(0, end + 4 + length);
            if (m_done)
                return true;
            if (c.kind == Kind::None && !c.waiting) // onStarted may have given it the next request already
                pump(i);
        }
    }

    void onStarted(int status, std::string_view body)
    {
        if (status == 202 || status == 200)
            m_ids.push_back(stringMember(body, "jobId"));
        else
            ++m_errors;
        if (++m_started < m_jobs)
            return;
        m_startPhaseMs = elapsedMs();
        for (std::size_t k = 0; k < m_ids.size(); k += 100) {
            const int index = int(k / 100);
            m_pending.push_back(Batch {
                { m_ids.begin() + long(k), m_ids.begin() + long(std::min(k + 100, m_ids.size())) }, 0, 25, index });
            m_unfinished.insert(index);
        }
        for (std::size_t other = 0; other < m_conns.size(); ++other)
            if (m_conns[other].kind == Kind::None && !m_conns[other].waiting)
                pump(other);
    }

    void onStatus(Conn &c, int status, std::string_view body)
    {
        const std::size_t asked = c.batch.ids.size();
        Batch left { {}, 0, c.batch.pauseMs };
        BatchReply reply;
        if (status == 200 && reply.parse(body)) {
            m_terminal += reply.terminal + reply.missing;
            if (reply.firstCreatedAt)
                m_firstCreatedAt
                    = m_firstCreatedAt ? std::min(m_firstCreatedAt, reply.firstCreatedAt) : reply.firstCreatedAt;
            m_lastFinishedAt = std::max(m_lastFinishedAt, reply.lastFinishedAt);
            left.ids = std::move(reply.unfinished);
        } else {
            left.ids = std::move(c.batch.ids);
        }
        if (m_terminal >= m_jobs) {
            m_done = true;
            return;
        }
        left.index = c.batch.index;
        if (left.ids.empty()) {
            // The server runs jobs in start order: when the oldest batch is done, the next one
            // is about to be, so it is asked at once rather than after its back-off.
            const bool wasOldest = left.index == *m_unfinished.begin();
            m_unfinished.erase(left.index);
            if (wasOldest && !m_unfinished.empty())
                reschedule(*m_unfinished.begin(), elapsedMs());
            return;
        }
        // A batch that made no progress is asked again after a growing pause (25 ms doubling to
        // 400 ms), so a long queue is not polled for nothing; only the oldest unfinished batch,
        // whose jobs run next, is asked every 10 ms.
        if (left.index == *m_unfinished.begin())
            left.pauseMs = 10;
        else
            left.pauseMs = left.ids.size() == asked ? std::min(400, c.batch.pauseMs * 2) : 25;
        left.dueMs = elapsedMs() + left.pauseMs;
        insertPending(std::move(left));
    }

    void insertPending(Batch batch)
    {
        const auto at = std::upper_bound(m_pending.begin(), m_pending.end(), batch.dueMs,
            [](long long due, const Batch &b) { return due < b.dueMs; });
        m_pending.insert(at, std::move(batch));
    }

    void reschedule(int index, long long dueMs)
    {
        const auto it
            = std::find_if(m_pending.begin(), m_pending.end(), [index](const Batch &b) { return b.index == index; });
        if (it == m_pending.end() || it->dueMs <= dueMs)
            return; // in flight, or due already
        Batch batch = std::move(*it);
        m_pending.erase(it);
        batch.dueMs = dueMs;
        batch.pauseMs = 10;
        insertPending(std::move(batch));
    }

    quint16 m_port;
    int m_jobs, m_listings;
    std::vector<Conn> m_conns;
    int m_epoll = -1;
    Clock::time_point m_clock;
    std::vector<std::string> m_ids;
    std::deque<Batch> m_pending; // by due time
    std::set<int> m_unfinished; // indexes of batches with unfinished jobs
    int m_nextStart = 0, m_started = 0, m_errors = 0, m_terminal = 0;
    long long m_startPhaseMs = -1, m_statusRequests = 0;
    std::int64_t m_firstCreatedAt = 0, m_lastFinishedAt = 0;
    bool m_done = false;
};

int writeListings(const QString &path, int n)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return 1;
    QTextStream out(&f);
    out << "id,title,industry,asking price,cash flow,gross revenue,year established\n";
    const char *industries[] = { "Restaurant", "Car Washes", "Plumbing", "Retail", "Landscaping", "Dry Cleaning" };
    for (int i = 0; i < n; ++i) {
        const qint64 cash = 50000 + (i * 7919) % 400000;
        out << "B" << i << ",Business " << i << ',' << industries[i % 6] << ',' << cash * (2 + i % 4) << ',' << cash
            << ',' << cash * (3 + i % 5) << ',' << 1980 + i % 40 << '\n';
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.value(1) == QLatin1String("listings") && a.size() == 4)
        return writeListings(a[2], a[3].toInt());
    if (a.value(1) == QLatin1String("jobs") && a.size() == 6)
        return JobsRun(quint16(a[2].toUInt()), a[3].toInt(), a[4].toInt(), a[5].toInt()).exec();
    QTextStream(stderr) << "usage: dealscope-server-loadgen listings FILE N | jobs PORT JOBS LISTINGS CONNECTIONS"
                        << Qt::endl;
    return 2;
}
