#pragma once

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace dealscope {
class AppSettings;
class SecretStore;
class ServerConnectionTester;
} // namespace dealscope

namespace dealscope::llm {
class LlmConnectionTester;
}

namespace dealscope::ui {

// Settings (issue 4 §7, issue 11): backend (local / job server with its URL, token and "Test
// connection"), worker threads, default analysis parameters, polling bounds, and the LLM provider.
// The API key and the server token go to the keychain only.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    SettingsDialog(AppSettings &settings, SecretStore &secrets, QWidget *parent = nullptr);

    // Writes the fields into the settings and the key into the secret store.
    void apply();

    QLineEdit *apiKeyEdit() const { return m_apiKey; }
    QLineEdit *serverUrlEdit() const { return m_serverUrl; }
    QLineEdit *serverTokenEdit() const { return m_serverToken; }
    QPushButton *serverTestButton() const { return m_serverTest; }
    QLabel *serverTestResult() const { return m_serverTestResult; }
    // The token typed in before apply() (empty: keep the stored one). The caller stores it
    // (AppContext::setServerToken): it never goes into the settings file.
    QString enteredServerToken() const { return m_enteredToken; }
    void testServerConnection();

private:
    void load();
    void updateEnabled();
    void testConnection();

    AppSettings &m_settings;
    SecretStore &m_secrets;
    QRadioButton *m_local;
    QRadioButton *m_server;
    QLineEdit *m_serverUrl;
    QLineEdit *m_serverToken;
    QPushButton *m_serverTest;
    QLabel *m_serverTestResult;
    ServerConnectionTester *m_serverTester;
    QString m_enteredToken;
    QSpinBox *m_threads;
    QSpinBox *m_timeout;
    QDoubleSpinBox *m_downPayment;
    QDoubleSpinBox *m_interest;
    QSpinBox *m_term;
    QSpinBox *m_salary;
    QDoubleSpinBox *m_dscr;
    QSpinBox *m_pollInitial;
    QSpinBox *m_pollMax;
    QComboBox *m_provider;
    QLineEdit *m_baseUrl;
    QLineEdit *m_model;
    QLineEdit *m_apiKey;
    QLabel *m_keyWarning;
    QPushButton *m_test;
    QLabel *m_testResult;
    llm::LlmConnectionTester *m_tester;
};

} // namespace dealscope::ui
