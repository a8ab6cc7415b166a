#include "storage/AsyncResultsLibrary.h"

#include "storage/ResultsLibrary.h"
#include "storage/StorageLog.h"

#include <QPointer>
#include <QSemaphore>
#include <QThread>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

AsyncResultsLibrary::AsyncResultsLibrary(QObject *parent)
    : QObject(parent)
    , m_thread(new QThread)
    , m_worker(new QObject)
{
    m_thread->setObjectName(u"dealscope-results"_s);
    m_worker->moveToThread(m_thread);
    m_thread->start();
}

AsyncResultsLibrary::~AsyncResultsLibrary()
{
    // Queued after every request: the writes finish, the connection closes on its own thread.
    auto library = std::move(m_library);
    QMetaObject::invokeMethod(
        m_worker,
        [library = std::move(library), thread = m_thread]() mutable {
            library.reset();
            thread->quit();
        },
        Qt::QueuedConnection);
    m_thread->wait();
    delete m_worker;
    delete m_thread;
}

template <typename Work> void AsyncResultsLibrary::post(Work work)
{
    QMetaObject::invokeMethod(m_worker, std::move(work), Qt::QueuedConnection);
}

void AsyncResultsLibrary::open(const QString &databaseFile)
{
    if (!m_library)
        m_library = std::make_shared<ResultsLibrary>();
    post([library = m_library, databaseFile] {
        if (!library->open(databaseFile))
            qCWarning(lcStorage) << "storage thread could not open" << databaseFile << ":" << library->errorString();
    });
}

void AsyncResultsLibrary::store(nlohmann::json job, nlohmann::json listing, QObject *context, StoreCallback done)
{
    store([job = std::move(job)] { return job; }, [listing = std::move(listing)] { return listing; }, context,
        std::move(done));
}

void AsyncResultsLibrary::store(JsonMaker makeJob, JsonMaker makeListing, QObject *context, StoreCallback done)
{
    if (!m_library) {
        if (done)
            done(false, u"results library is not open"_s);
        return;
    }
    post([this, library = m_library, makeJob = std::move(makeJob), makeListing = std::move(makeListing),
             context = QPointer<QObject>(context), done = std::move(done)] {
        const bool ok = library->store(
            makeJob ? makeJob() : nlohmann::json(), makeListing ? makeListing() : nlohmann::json::object());
        const QString error = ok ? QString() : library->errorString();
        if (!done)
            return;
        // Back on this object's thread; `this` outlives the storage thread (see the destructor).
        QMetaObject::invokeMethod(
            this,
            [context, done, ok, error] {
                if (context)
                    done(ok, error);
            },
            Qt::QueuedConnection);
    });
}

void AsyncResultsLibrary::storeAll(QList<StoreRequest> requests, QObject *context, StoreAllCallback done)
{
    if (!m_library) {
        if (done)
            done(QList<ResultsLibrary::Stored>(
                requests.size(), ResultsLibrary::Stored { false, u"results library is not open"_s }));
        return;
    }
    post([this, library = m_library, requests = std::move(requests), context = QPointer<QObject>(context),
             done = std::move(done)] {
        QList<std::pair<nlohmann::json, nlohmann::json>> rows;
        rows.reserve(requests.size());
        for (const StoreRequest &r : requests) {
            rows.append(std::pair(r.makeJob ? r.makeJob() : nlohmann::json(),
                r.makeListing ? r.makeListing() : nlohmann::json::object()));
        }
        QList<ResultsLibrary::Stored> outcomes = library->storeAll(rows);
        if (!done)
            return;
        QMetaObject::invokeMethod(
            this,
            [context, done, outcomes = std::move(outcomes)] {
                if (context)
                    done(outcomes);
            },
            Qt::QueuedConnection);
    });
}

void AsyncResultsLibrary::setAnnotation(
    AnnotationKind kind, QString key, Annotation annotation, QObject *context, StoreCallback done)
{
    if (!m_library) {
        if (done)
            done(false, u"results library is not open"_s);
        return;
    }
    post([this, library = m_library, kind, key = std::move(key), annotation = std::move(annotation),
             context = QPointer<QObject>(context), done = std::move(done)] {
        const bool ok = library->setAnnotation(kind, key, annotation);
        const QString error = ok ? QString() : library->errorString();
        if (!done)
            return;
        QMetaObject::invokeMethod(
            this,
            [context, done, ok, error] {
                if (context)
                    done(ok, error);
            },
            Qt::QueuedConnection);
    });
}

template <typename Result, typename Query>
void AsyncResultsLibrary::queryAndReply(QObject *context, std::function<void(const Result &)> done, Query query)
{
    if (!done)
        return;
    const QPointer<QObject> guard(context);
    if (!m_library) {
        // Still answered (empty): callers such as the Library view count their requests in flight.
        QMetaObject::invokeMethod(
            this,
            [guard, done = std::move(done)] {
                if (guard)
                    done(Result {});
            },
            Qt::QueuedConnection);
        return;
    }
    post([this, library = m_library, guard, done = std::move(done), query = std::move(query)] {
        Result result = query(*library);
        QMetaObject::invokeMethod(
            this,
            [guard, done, result = std::move(result)] {
                if (guard)
                    done(result);
            },
            Qt::QueuedConnection);
    });
}

void AsyncResultsLibrary::latestScores(QObject *context, ScoresCallback done)
{
    queryAndReply<QHash<QString, double>>(
        context, std::move(done), [](ResultsLibrary &library) { return library.latestScores(); });
}

void AsyncResultsLibrary::search(const ResultQuery &query, QObject *context, SearchCallback done)
{
    queryAndReply<QList<StoredResult>>(
        context, std::move(done), [query](ResultsLibrary &library) { return library.search(query); });
}

void AsyncResultsLibrary::waitForIdle()
{
    QSemaphore done;
    post([&done] { done.release(); });
    done.acquire();
}

} // namespace dealscope
