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
} // namespace dealscope

namespace dealscope::llm {
class LlmConnectionTester;
}

namespace dealscope::ui {

// Settings (issue 4 §7): backend (local / job server), worker threads, default analysis
// parameters, polling bounds, and the LLM provider. The API key goes to the SecretStore only.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    SettingsDialog(AppSettings &settings, SecretStore &secrets, QWidget *parent = nullptr);

    // Writes the fields into the settings and the key into the secret store.
    void apply();

    QLineEdit *apiKeyEdit() const { return m_apiKey; }

private:
    void load();
    void updateEnabled();
    void testConnection();

    AppSettings &m_settings;
    SecretStore &m_secrets;
    QRadioButton *m_local;
    QRadioButton *m_server;
    QLineEdit *m_serverUrl;
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
