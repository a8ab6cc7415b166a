#include "config/AppSettings.h"
#include "config/SecretStore.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

class TestAppSettings final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    static QByteArray readAll(const QString &file)
    {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private Q_SLOTS:
    void defaultsOnEmptyFile()
    {
        AppSettings s(m_dir.filePath(u"empty.ini"_s));
        QCOMPARE(s.version(), AppSettings::CurrentVersion);
        QCOMPARE(s.backend(), AppSettings::Backend::Local);
        QVERIFY(s.workerThreads() >= 1);
        QCOMPARE(s.timeoutSeconds(), 300);
        QCOMPARE(s.analysisDefaults(), AnalysisDefaults {});
        QCOMPARE(s.pollInitialMs(), 500);
        QCOMPARE(s.pollMaxMs(), 10000);
        QCOMPARE(s.llmProvider(), u"builtin"_s);
        QCOMPARE(s.lastFilters(), ListingFilters {});
        const auto params = s.analysisDefaults().toParams();
        QCOMPARE(params["downPaymentPct"].get<double>(), 0.10);
        QCOMPARE(params["termYears"].get<int>(), 10);
    }

    void roundTripsThroughTheIni()
    {
        const QString file = m_dir.filePath(u"rt.ini"_s);
        {
            AppSettings s(file);
            s.setBackend(AppSettings::Backend::Server);
            s.setServerUrl(QUrl(u"http://user:pw@127.0.0.1:9999/"_s));
            s.setWorkerThreads(6);
            s.setTimeoutSeconds(42);
            AnalysisDefaults d;
            d.downPaymentPct = 0.2;
            d.interestRate = 0.08;
            d.termYears = 7;
            d.ownerSalary = 60000;
            d.targetDscr = 1.5;
            s.setAnalysisDefaults(d);
            s.setPollInitialMs(250);
            s.setPollMaxMs(5000);
            s.setWindowGeometry("geom");
            s.setDeveloperMode(true);
            s.setLastFilters({ u"wash"_s, u"Automotive"_s, u"TX"_s, 100000, std::nullopt });
            s.setLlmProvider(u"openai"_s);
            s.setLlmBaseUrl(QUrl(u"http://127.0.0.1:11434/v1"_s));
            s.setLlmModel(u" llama3 "_s);
        }
        AppSettings s(file);
        QCOMPARE(s.backend(), AppSettings::Backend::Server);
        QCOMPARE(s.serverUrl(), QUrl(u"http://127.0.0.1:9999/"_s)); // credentials stripped
        QCOMPARE(s.workerThreads(), 6);
        QCOMPARE(s.timeoutSeconds(), 42);
        QCOMPARE(s.analysisDefaults().ownerSalary, 60000);
        QCOMPARE(s.analysisDefaults().termYears, 7);
        QCOMPARE(s.analysisDefaults().targetDscr, 1.5);
        QCOMPARE(s.pollInitialMs(), 250);
        QCOMPARE(s.pollMaxMs(), 5000);
        QCOMPARE(s.windowGeometry(), QByteArray("geom"));
        QVERIFY(s.developerMode());
        const ListingFilters f = s.lastFilters();
        QCOMPARE(f.search, u"wash"_s);
        QCOMPARE(f.state, u"TX"_s);
        QCOMPARE(f.minPrice, std::optional<qint64>(100000));
        QVERIFY(!f.maxPrice);
        QCOMPARE(s.llmProvider(), u"openai"_s);
        QCOMPARE(s.llmModel(), u"llama3"_s);
        QVERIFY(!readAll(file).contains("pw"));
    }

    void hostileValuesFallBackToDefaults()
    {
        const QString file = m_dir.filePath(u"bad.ini"_s);
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("[General]\nsettingsVersion=2\n[local]\nworkerThreads=999999\ntimeoutSeconds=abc\n"
                    "[analysis]\ndownPaymentPct=nan\ninterestRate=-3\ntermYears=1000\ntargetDscr=inf\n"
                    "[polling]\ninitialMs=20000\nmaxMs=10\n[filters]\nminPrice=-5\nmaxPrice=lots\n"
                    "[llm]\nprovider=evil\n[backend]\nkind=carrier-pigeon\n");
        }
        AppSettings s(file);
        QCOMPARE(s.workerThreads(), 64);
        QCOMPARE(s.timeoutSeconds(), 300);
        QCOMPARE(s.analysisDefaults().downPaymentPct, 0.10);
        QCOMPARE(s.analysisDefaults().interestRate, 0.105);
        QCOMPARE(s.analysisDefaults().termYears, 40);
        QCOMPARE(s.analysisDefaults().targetDscr, 1.25);
        QCOMPARE(s.pollInitialMs(), 20000);
        QVERIFY(s.pollMaxMs() >= s.pollInitialMs());
        QVERIFY(!s.lastFilters().minPrice);
        QVERIFY(!s.lastFilters().maxPrice);
        QCOMPARE(s.llmProvider(), u"builtin"_s);
        QCOMPARE(s.backend(), AppSettings::Backend::Local);
    }

    void migratesVersion1AndMovesSecretsOut()
    {
        const QString file = m_dir.filePath(u"v1.ini"_s);
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("[General]\nbackend=server\nserverUrl=http://127.0.0.1:7000\nworkers=3\n"
                    "serverToken=tok-SECRET-1\n[llm]\napiKey=sk-SECRET-2\n");
        }
        {
            AppSettings s(file);
            QCOMPARE(s.version(), 2);
            QCOMPARE(s.backend(), AppSettings::Backend::Server);
            QCOMPARE(s.serverUrl(), QUrl(u"http://127.0.0.1:7000"_s));
            QCOMPARE(s.workerThreads(), 3);
            const auto secrets = s.takeMigratedSecrets();
            QCOMPARE(secrets.size(), 2);
            QVERIFY(secrets.contains(qMakePair(AppSettings::llmApiKeySecret(), u"sk-SECRET-2"_s)));
            QVERIFY(secrets.contains(qMakePair(AppSettings::serverTokenSecret(), u"tok-SECRET-1"_s)));
            QVERIFY(s.takeMigratedSecrets().isEmpty());
        }
        const QByteArray text = readAll(file);
        QVERIFY(!text.contains("SECRET"));
        QVERIFY(text.contains("settingsVersion=2"));
        // A second start finds nothing left to migrate.
        AppSettings again(file);
        QVERIFY(again.takeMigratedSecrets().isEmpty());
    }

    void secretStoreMemoryOnlyNeverTouchesTheIni()
    {
        const QString file = m_dir.filePath(u"secret.ini"_s);
        AppSettings settings(file);
        SecretStore store(SecretStore::Mode::MemoryOnly);
        QVERIFY(store.isMemoryOnly());
        QVERIFY(!store.warning().isEmpty());
        bool persisted = true;
        bool done = false;
        store.write(AppSettings::llmApiKeySecret(), u"sk-live-XYZ"_s, [&](bool p) {
            persisted = p;
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY(!persisted);
        std::optional<QString> got;
        bool readDone = false;
        store.read(AppSettings::llmApiKeySecret(), this, [&](const std::optional<QString> &v) {
            got = v;
            readDone = true;
        });
        QTRY_VERIFY(readDone);
        QCOMPARE(got, std::optional<QString>(u"sk-live-XYZ"_s));
        store.remove(AppSettings::llmApiKeySecret());
        QVERIFY(!store.cached(AppSettings::llmApiKeySecret()));
        settings.sync();
        QVERIFY(!readAll(file).contains("sk-live"));
    }

    void secretStoreKeychainModeFallsBackVisiblyOrWorks()
    {
        // Whatever this machine offers: either the keychain stores the secret, or the store says it
        // is memory-only with a warning — and the value is still readable this session.
        SecretStore store(SecretStore::Mode::Keychain, u"DealscopeTest"_s);
        QSignalSpy fallback(&store, &SecretStore::fallbackActivated);
        bool done = false;
        bool persisted = false;
        store.write(u"probe-key"_s, u"value-1"_s, [&](bool p) {
            persisted = p;
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
        if (!persisted) {
            QVERIFY(store.isMemoryOnly());
            QVERIFY(!store.warning().isEmpty());
            QCOMPARE(fallback.size(), 1);
        }
        QCOMPARE(store.cached(u"probe-key"_s), std::optional<QString>(u"value-1"_s));
        store.remove(u"probe-key"_s);
    }
};

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
