#include "ui/settings/SettingsDialog.h"

#include "app/ServerConnectionTester.h"
#include "config/AppSettings.h"
#include "config/SecretStore.h"
#include "config/ServerCredentials.h"
#include "llm/LlmConnectionTester.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ui {

namespace {
template <typename W> W *named(W *w, const QString &objectName, const QString &accessible)
{
    w->setObjectName(objectName);
    w->setAccessibleName(accessible);
    return w;
}
} // namespace

SettingsDialog::SettingsDialog(AppSettings &settings, SecretStore &secrets, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_secrets(secrets)
{
    setWindowTitle(tr("Settings"));
    setObjectName(u"settingsDialog"_s);
    auto *layout = new QVBoxLayout(this);

    auto *backendBox = new QGroupBox(tr("Backend"), this);
    auto *backendForm = new QFormLayout(backendBox);
    m_local = named(new QRadioButton(tr("&Local worker threads"), backendBox), u"backendLocal"_s, tr("Local backend"));
    m_server = named(new QRadioButton(tr("&Job server"), backendBox), u"backendServer"_s, tr("Job server backend"));
    m_serverUrl = named(new QLineEdit(backendBox), u"serverUrl"_s, tr("Job server URL"));
    m_threads = named(new QSpinBox(backendBox), u"workerThreads"_s, tr("Worker threads"));
    m_threads->setRange(1, 64);
    m_timeout = named(new QSpinBox(backendBox), u"timeoutSeconds"_s, tr("Timeout per attempt in seconds"));
    m_timeout->setRange(1, 24 * 3600);
    m_timeout->setSuffix(u" s"_s);
    backendForm->addRow(m_local);
    backendForm->addRow(tr("&Worker threads:"), m_threads);
    backendForm->addRow(tr("&Timeout per attempt:"), m_timeout);
    backendForm->addRow(m_server);
    backendForm->addRow(tr("Server &URL:"), m_serverUrl);
    m_serverToken = named(new QLineEdit(backendBox), u"serverToken"_s, tr("Job server token"));
    m_serverToken->setEchoMode(QLineEdit::Password);
    backendForm->addRow(tr("To&ken:"), m_serverToken);
    m_serverTest = named(
        new QPushButton(tr("Test co&nnection"), backendBox), u"serverTest"_s, tr("Test the job server connection"));
    m_serverTestResult = new QLabel(backendBox);
    m_serverTestResult->setObjectName(u"serverTestResult"_s);
    m_serverTestResult->setWordWrap(true);
    m_serverTestResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    backendForm->addRow(m_serverTest, m_serverTestResult);
    m_serverTester = new ServerConnectionTester(this);
    connect(m_serverTest, &QPushButton::clicked, this, &SettingsDialog::testServerConnection);
    connect(m_serverTester, &ServerConnectionTester::finished, this,
        [this](ServerConnectionTester::Result result, const QString &message) {
            m_serverTest->setEnabled(true);
            m_serverTestResult->setText(
                (result == ServerConnectionTester::Result::Ok ? tr("OK: ") : tr("Failed: ")) + message);
        });
    m_pollInitial = named(new QSpinBox(backendBox), u"pollInitial"_s, tr("Initial polling interval"));
    m_pollInitial->setRange(100, 60'000);
    m_pollInitial->setSuffix(u" ms"_s);
    m_pollMax = named(new QSpinBox(backendBox), u"pollMax"_s, tr("Maximum polling interval"));
    m_pollMax->setRange(100, 600'000);
    m_pollMax->setSuffix(u" ms"_s);
    backendForm->addRow(tr("Polling from:"), m_pollInitial);
    backendForm->addRow(tr("Polling up to:"), m_pollMax);
    layout->addWidget(backendBox);

    auto *paramsBox = new QGroupBox(tr("Default analysis parameters"), this);
    auto *paramsForm = new QFormLayout(paramsBox);
    m_downPayment = named(new QDoubleSpinBox(paramsBox), u"downPaymentPct"_s, tr("Down payment percent"));
    m_downPayment->setRange(0, 99);
    m_downPayment->setSuffix(u" %"_s);
    m_interest = named(new QDoubleSpinBox(paramsBox), u"interestRate"_s, tr("Interest rate percent"));
    m_interest->setRange(0, 100);
    m_interest->setDecimals(2);
    m_interest->setSuffix(u" %"_s);
    m_term = named(new QSpinBox(paramsBox), u"termYears"_s, tr("Loan term in years"));
    m_term->setRange(1, 40);
    m_salary = named(new QSpinBox(paramsBox), u"ownerSalary"_s, tr("Owner salary"));
    m_salary->setRange(0, 100'000'000);
    m_salary->setSingleStep(5000);
    m_salary->setPrefix(u"$"_s);
    m_dscr = named(new QDoubleSpinBox(paramsBox), u"targetDscr"_s, tr("Target DSCR"));
    m_dscr->setRange(0.01, 10);
    m_dscr->setSingleStep(0.05);
    paramsForm->addRow(tr("&Down payment:"), m_downPayment);
    paramsForm->addRow(tr("&Interest rate:"), m_interest);
    paramsForm->addRow(tr("Te&rm (years):"), m_term);
    paramsForm->addRow(tr("&Owner salary:"), m_salary);
    paramsForm->addRow(tr("Target DS&CR:"), m_dscr);
    layout->addWidget(paramsBox);

    auto *llmBox = new QGroupBox(tr("Narrative provider (optional)"), this);
    auto *llmForm = new QFormLayout(llmBox);
    m_provider = named(new QComboBox(llmBox), u"llmProvider"_s, tr("Narrative provider"));
    m_provider->addItem(tr("Built-in (offline)"), u"builtin"_s);
    m_provider->addItem(tr("OpenAI-compatible API"), u"openai"_s);
    m_baseUrl = named(new QLineEdit(llmBox), u"llmBaseUrl"_s, tr("LLM base URL"));
    m_model = named(new QLineEdit(llmBox), u"llmModel"_s, tr("LLM model"));
    m_apiKey = named(new QLineEdit(llmBox), u"llmApiKey"_s, tr("LLM API key"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_keyWarning = new QLabel(llmBox);
    m_keyWarning->setObjectName(u"keychainWarning"_s);
    m_keyWarning->setWordWrap(true);
    llmForm->addRow(tr("&Provider:"), m_provider);
    llmForm->addRow(tr("&Base URL:"), m_baseUrl);
    llmForm->addRow(tr("&Model:"), m_model);
    llmForm->addRow(tr("API &key:"), m_apiKey);
    llmForm->addRow(m_keyWarning);
    m_test = named(new QPushButton(tr("&Test connection"), llmBox), u"llmTest"_s, tr("Test the LLM connection"));
    m_testResult = new QLabel(llmBox);
    m_testResult->setObjectName(u"llmTestResult"_s);
    m_testResult->setWordWrap(true);
    m_tester = new llm::LlmConnectionTester(this);
    llmForm->addRow(m_test, m_testResult);
    connect(m_test, &QPushButton::clicked, this, &SettingsDialog::testConnection);
    connect(m_tester, &llm::LlmConnectionTester::finished, this, [this](bool ok, const QString &message) {
        m_test->setEnabled(true);
        m_testResult->setText((ok ? tr("OK: ") : tr("Failed: ")) + message);
    });
    layout->addWidget(llmBox);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->setObjectName(u"settingsButtons"_s);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        apply();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_provider, &QComboBox::currentIndexChanged, this, &SettingsDialog::updateEnabled);
    connect(m_server, &QRadioButton::toggled, this, &SettingsDialog::updateEnabled);
    load();
}

void SettingsDialog::load()
{
    (m_settings.backend() == AppSettings::Backend::Server ? m_server : m_local)->setChecked(true);
    m_serverUrl->setText(m_settings.serverUrl().toString());
    m_threads->setValue(m_settings.workerThreads());
    m_timeout->setValue(m_settings.timeoutSeconds());
    m_pollInitial->setValue(m_settings.pollInitialMs());
    m_pollMax->setValue(m_settings.pollMaxMs());
    const AnalysisDefaults d = m_settings.analysisDefaults();
    m_downPayment->setValue(d.downPaymentPct * 100.0);
    m_interest->setValue(d.interestRate * 100.0);
    m_term->setValue(d.termYears);
    m_salary->setValue(int(qMin<qint64>(d.ownerSalary, 100'000'000)));
    m_dscr->setValue(d.targetDscr);
    m_provider->setCurrentIndex(qMax(0, m_provider->findData(m_settings.llmProvider())));
    m_baseUrl->setText(m_settings.llmBaseUrl().toString());
    m_model->setText(m_settings.llmModel());
    m_apiKey->clear();
    m_apiKey->setPlaceholderText(m_secrets.cached(AppSettings::llmApiKeySecret())
            ? tr("(a key is stored — type to replace it)")
            : tr("(no key stored)"));
    m_keyWarning->setText(
        m_secrets.isMemoryOnly() ? m_secrets.warning() : tr("The key is kept in the system keychain."));
    m_serverToken->clear();
    const bool tokenKnown = ServerCredentials::environmentToken()
        || (m_settings.serverUrl().isValid()
            && m_secrets.cached(ServerCredentials::secretKey(m_settings.serverUrl())).has_value());
    m_serverToken->setPlaceholderText(ServerCredentials::environmentToken()
            ? tr("(DEALSCOPE_TOKEN is set and used)")
            : (tokenKnown ? tr("(a token is stored — type to replace it)") : tr("(no token stored)")));
    updateEnabled();
}

void SettingsDialog::updateEnabled()
{
    // Polling bounds are the remote backend's own schedule (SPEC §6): shown, not editable.
    m_pollInitial->setEnabled(false);
    m_pollMax->setEnabled(false);
    m_serverTest->setEnabled(!m_serverTester->isRunning());
    const bool llm = m_provider->currentData().toString() == u"openai"_s;
    m_baseUrl->setEnabled(llm);
    m_model->setEnabled(llm);
    m_apiKey->setEnabled(llm);
    m_test->setEnabled(llm && !m_tester->isRunning());
}

void SettingsDialog::testConnection()
{
    llm::LlmConfig config;
    config.baseUrl = QUrl::fromUserInput(m_baseUrl->text().trimmed());
    config.model = m_model->text().trimmed();
    config.apiKey = m_apiKey->text().isEmpty() ? m_secrets.cached(AppSettings::llmApiKeySecret()).value_or(QString())
                                               : m_apiKey->text();
    m_test->setEnabled(false);
    m_testResult->setText(tr("Testing…"));
    m_tester->start(config);
}

void SettingsDialog::testServerConnection()
{
    const QUrl server = QUrl::fromUserInput(m_serverUrl->text().trimmed());
    QString token = m_serverToken->text();
    if (token.isEmpty())
        token = ServerCredentials::environmentToken().value_or(QString());
    if (token.isEmpty() && server.isValid())
        token = m_secrets.cached(ServerCredentials::secretKey(server)).value_or(QString());
    m_serverTest->setEnabled(false);
    m_serverTestResult->setText(tr("Testing…"));
    m_serverTester->start(server, token);
}

void SettingsDialog::apply()
{
    m_enteredToken = m_serverToken->text();
    m_serverToken->clear();
    m_settings.setBackend(m_server->isChecked() ? AppSettings::Backend::Server : AppSettings::Backend::Local);
    m_settings.setServerUrl(QUrl::fromUserInput(m_serverUrl->text().trimmed()));
    m_settings.setWorkerThreads(m_threads->value());
    m_settings.setTimeoutSeconds(m_timeout->value());
    m_settings.setPollInitialMs(m_pollInitial->value());
    m_settings.setPollMaxMs(qMax(m_pollMax->value(), m_pollInitial->value()));
    AnalysisDefaults d;
    d.downPaymentPct = m_downPayment->value() / 100.0;
    d.interestRate = m_interest->value() / 100.0;
    d.termYears = m_term->value();
    d.ownerSalary = m_salary->value();
    d.targetDscr = m_dscr->value();
    m_settings.setAnalysisDefaults(d);
    m_settings.setLlmProvider(m_provider->currentData().toString());
    m_settings.setLlmBaseUrl(QUrl::fromUserInput(m_baseUrl->text().trimmed()));
    m_settings.setLlmModel(m_model->text());
    if (!m_apiKey->text().isEmpty())
        m_secrets.write(AppSettings::llmApiKeySecret(), m_apiKey->text());
    m_apiKey->clear();
    m_settings.sync();
}

} // namespace dealscope::ui
