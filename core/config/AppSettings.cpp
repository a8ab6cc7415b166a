#include "config/AppSettings.h"

#include "config/ConfigLog.h"

#include <QThread>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {

const QString kVersion = u"settingsVersion"_s;
const QString kBackend = u"backend/kind"_s;
const QString kServerUrl = u"backend/serverUrl"_s;
const QString kWorkerThreads = u"local/workerThreads"_s;
const QString kTimeout = u"local/timeoutSeconds"_s;
const QString kDownPayment = u"analysis/downPaymentPct"_s;
const QString kInterest = u"analysis/interestRate"_s;
const QString kTerm = u"analysis/termYears"_s;
const QString kSalary = u"analysis/ownerSalary"_s;
const QString kDscr = u"analysis/targetDscr"_s;
const QString kPollInitial = u"polling/initialMs"_s;
const QString kPollMax = u"polling/maxMs"_s;
const QString kGeometry = u"window/geometry"_s;
const QString kState = u"window/state"_s;
const QString kDeveloper = u"window/developerMode"_s;
const QString kFilterSearch = u"filters/search"_s;
const QString kFilterIndustry = u"filters/industry"_s;
const QString kFilterState = u"filters/state"_s;
const QString kFilterMin = u"filters/minPrice"_s;
const QString kFilterMax = u"filters/maxPrice"_s;
const QString kLlmProvider = u"llm/provider"_s;
const QString kLlmBaseUrl = u"llm/baseUrl"_s;
const QString kLlmModel = u"llm/model"_s;

int defaultThreads()
{
    return std::clamp(QThread::idealThreadCount(), 1, 8);
}

template <typename T> T clampedInt(const QSettings &s, const QString &key, T fallback, T lo, T hi)
{
    bool ok = false;
    const qlonglong v = s.value(key).toLongLong(&ok);
    if (!ok)
        return fallback;
    return static_cast<T>(std::clamp<qlonglong>(v, lo, hi));
}

double clampedDouble(const QSettings &s, const QString &key, double fallback, double lo, double hi)
{
    bool ok = false;
    const double v = s.value(key).toDouble(&ok);
    if (!ok || !(v >= lo && v <= hi)) // also rejects NaN from a hand-edited file
        return fallback;
    return v;
}

std::optional<qint64> optionalMoney(const QSettings &s, const QString &key)
{
    const QVariant v = s.value(key);
    if (!v.isValid() || v.toString().isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 n = v.toLongLong(&ok);
    if (!ok || n < 0)
        return std::nullopt;
    return n;
}

} // namespace

nlohmann::json AnalysisDefaults::toParams() const
{
    return nlohmann::json { { "downPaymentPct", downPaymentPct }, { "interestRate", interestRate },
        { "termYears", termYears }, { "ownerSalary", ownerSalary }, { "targetDscr", targetDscr } };
}

AppSettings::AppSettings(const QString &iniFile)
    : m_settings(iniFile.isEmpty() ? std::make_unique<QSettings>(u"Dealscope"_s, u"Dealscope"_s)
                                   : std::make_unique<QSettings>(iniFile, QSettings::IniFormat))
{
    migrate();
}

AppSettings::~AppSettings()
{
    m_settings->sync();
}

void AppSettings::sync()
{
    m_settings->sync();
}

int AppSettings::version() const
{
    return m_settings->value(kVersion, 0).toInt();
}

QList<QPair<QString, QString>> AppSettings::takeMigratedSecrets()
{
    return std::exchange(m_migratedSecrets, {});
}

// Version 1 (the first prototype) used flat keys and kept the LLM key and the server token in the
// file itself. Version 2 groups the keys and moves secrets out: the caller hands them to the
// SecretStore, and they are deleted from the file here whatever happens next.
void AppSettings::migrate()
{
    int from = version();
    const QStringList all = m_settings->allKeys();
    if (from == 0 && all.isEmpty()) {
        m_settings->setValue(kVersion, CurrentVersion);
        return;
    }
    if (from == 0)
        from = 1; // keys but no version: the unversioned prototype format
    if (from > CurrentVersion) {
        qCWarning(lcConfig) << "settings version" << from << "is newer than" << CurrentVersion
                            << "- reading what is understood, not downgrading";
        return;
    }
    if (from < 2) {
        const auto move = [this](const QString &oldKey, const QString &newKey) {
            // Remove first: "backend" → "backend/kind" shares a prefix, and remove() of a key
            // also removes the group of that name.
            if (m_settings->contains(oldKey)) {
                const QVariant value = m_settings->value(oldKey);
                m_settings->remove(oldKey);
                if (!m_settings->contains(newKey))
                    m_settings->setValue(newKey, value);
            }
        };
        move(u"backend"_s, kBackend);
        move(u"serverUrl"_s, kServerUrl);
        move(u"workers"_s, kWorkerThreads);
        move(u"geometry"_s, kGeometry);
        move(u"windowState"_s, kState);
        const auto takeSecret = [this](const QString &oldKey, const QString &secretName) {
            if (m_settings->contains(oldKey)) {
                const QString secret = m_settings->value(oldKey).toString();
                if (!secret.isEmpty())
                    m_migratedSecrets.append({ secretName, secret });
                m_settings->remove(oldKey);
            }
        };
        takeSecret(u"llm/apiKey"_s, llmApiKeySecret());
        takeSecret(u"apiKey"_s, llmApiKeySecret());
        takeSecret(u"serverToken"_s, serverTokenSecret());
        qCInfo(lcConfig) << "migrated settings from version" << from << "to" << CurrentVersion;
    }
    m_settings->setValue(kVersion, CurrentVersion);
    m_settings->sync();
}

AppSettings::Backend AppSettings::backend() const
{
    return m_settings->value(kBackend).toString() == u"server"_s ? Backend::Server : Backend::Local;
}

void AppSettings::setBackend(Backend backend)
{
    m_settings->setValue(kBackend, backendName(backend));
}

QString AppSettings::backendName(Backend backend)
{
    return backend == Backend::Server ? u"server"_s : u"local"_s;
}

QUrl AppSettings::serverUrl() const
{
    return QUrl(m_settings->value(kServerUrl, u"http://127.0.0.1:8080"_s).toString());
}

void AppSettings::setServerUrl(const QUrl &url)
{
    // Never keep credentials that someone typed into the URL.
    QUrl clean = url;
    clean.setUserInfo({});
    m_settings->setValue(kServerUrl, clean.toString());
}

int AppSettings::workerThreads() const
{
    return clampedInt(*m_settings, kWorkerThreads, defaultThreads(), 1, 64);
}

void AppSettings::setWorkerThreads(int threads)
{
    m_settings->setValue(kWorkerThreads, std::clamp(threads, 1, 64));
}

int AppSettings::timeoutSeconds() const
{
    return clampedInt(*m_settings, kTimeout, 300, 1, 24 * 3600);
}

void AppSettings::setTimeoutSeconds(int seconds)
{
    m_settings->setValue(kTimeout, std::clamp(seconds, 1, 24 * 3600));
}

AnalysisDefaults AppSettings::analysisDefaults() const
{
    AnalysisDefaults d;
    d.downPaymentPct = clampedDouble(*m_settings, kDownPayment, d.downPaymentPct, 0.0, 0.99);
    d.interestRate = clampedDouble(*m_settings, kInterest, d.interestRate, 0.0, 1.0);
    d.termYears = clampedInt(*m_settings, kTerm, d.termYears, 1, 40);
    d.ownerSalary = clampedInt<qint64>(*m_settings, kSalary, d.ownerSalary, 0, 100'000'000);
    d.targetDscr = clampedDouble(*m_settings, kDscr, d.targetDscr, 0.01, 10.0);
    return d;
}

void AppSettings::setAnalysisDefaults(const AnalysisDefaults &d)
{
    m_settings->setValue(kDownPayment, d.downPaymentPct);
    m_settings->setValue(kInterest, d.interestRate);
    m_settings->setValue(kTerm, d.termYears);
    m_settings->setValue(kSalary, d.ownerSalary);
    m_settings->setValue(kDscr, d.targetDscr);
}

int AppSettings::pollInitialMs() const
{
    return clampedInt(*m_settings, kPollInitial, 500, 100, 60'000);
}

void AppSettings::setPollInitialMs(int ms)
{
    m_settings->setValue(kPollInitial, std::clamp(ms, 100, 60'000));
}

int AppSettings::pollMaxMs() const
{
    return std::max(pollInitialMs(), clampedInt(*m_settings, kPollMax, 10'000, 100, 600'000));
}

void AppSettings::setPollMaxMs(int ms)
{
    m_settings->setValue(kPollMax, std::clamp(ms, 100, 600'000));
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings->value(kGeometry).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings->setValue(kGeometry, geometry);
}

QByteArray AppSettings::windowState() const
{
    return m_settings->value(kState).toByteArray();
}

void AppSettings::setWindowState(const QByteArray &state)
{
    m_settings->setValue(kState, state);
}

bool AppSettings::developerMode() const
{
    return m_settings->value(kDeveloper, false).toBool();
}

void AppSettings::setDeveloperMode(bool on)
{
    m_settings->setValue(kDeveloper, on);
}

ListingFilters AppSettings::lastFilters() const
{
    ListingFilters f;
    f.search = m_settings->value(kFilterSearch).toString();
    f.industry = m_settings->value(kFilterIndustry).toString();
    f.state = m_settings->value(kFilterState).toString();
    f.minPrice = optionalMoney(*m_settings, kFilterMin);
    f.maxPrice = optionalMoney(*m_settings, kFilterMax);
    return f;
}

void AppSettings::setLastFilters(const ListingFilters &f)
{
    m_settings->setValue(kFilterSearch, f.search);
    m_settings->setValue(kFilterIndustry, f.industry);
    m_settings->setValue(kFilterState, f.state);
    m_settings->setValue(kFilterMin, f.minPrice ? QString::number(*f.minPrice) : QString());
    m_settings->setValue(kFilterMax, f.maxPrice ? QString::number(*f.maxPrice) : QString());
}

QString AppSettings::llmProvider() const
{
    const QString p = m_settings->value(kLlmProvider, u"builtin"_s).toString();
    return p == u"openai"_s ? p : u"builtin"_s;
}

void AppSettings::setLlmProvider(const QString &provider)
{
    m_settings->setValue(kLlmProvider, provider == u"openai"_s ? provider : u"builtin"_s);
}

QUrl AppSettings::llmBaseUrl() const
{
    return QUrl(m_settings->value(kLlmBaseUrl, u"https://api.openai.com/v1"_s).toString());
}

void AppSettings::setLlmBaseUrl(const QUrl &url)
{
    QUrl clean = url;
    clean.setUserInfo({});
    m_settings->setValue(kLlmBaseUrl, clean.toString());
}

QString AppSettings::llmModel() const
{
    return m_settings->value(kLlmModel, u"gpt-4o-mini"_s).toString();
}

void AppSettings::setLlmModel(const QString &model)
{
    m_settings->setValue(kLlmModel, model.trimmed());
}

} // namespace dealscope
