#include "app/AppContext.h"
#include "ui/mainwindow/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

using namespace Qt::Literals::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"Dealscope"_s);
    QApplication::setApplicationName(u"Dealscope"_s);
    QApplication::setApplicationVersion(QStringLiteral(DEALSCOPE_VERSION));
    QApplication::setDesktopFileName(u"dealscope"_s);
    if (QIcon::hasThemeIcon(u"dealscope"_s))
        QApplication::setWindowIcon(QIcon::fromTheme(u"dealscope"_s));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Background analyses of small businesses for sale"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption settingsOption(
        u"settings"_s, u"Use the INI settings FILE instead of the platform settings."_s, u"FILE"_s);
    const QCommandLineOption dataOption(u"data-dir"_s, u"Keep listings, jobs and results in DIR."_s, u"DIR"_s);
    const QCommandLineOption demoOption(
        u"demo-analyze"_s, u"Once the listings are loaded, select listing ID and run its valuation."_s, u"ID"_s);
    const QCommandLineOption memorySecrets(
        u"memory-secrets"_s, u"Do not use the system keychain; keep secrets in memory only."_s);
    parser.addOptions({ settingsOption, dataOption, demoOption, memorySecrets });
    parser.process(app);

    dealscope::AppContextOptions options;
    options.settingsFile = parser.value(settingsOption);
    options.dataDir = parser.value(dataOption);
    if (parser.isSet(memorySecrets))
        options.secretMode = dealscope::SecretStore::Mode::MemoryOnly;
    dealscope::AppContext context(options); // outlives the window: it is what the window shows

    dealscope::ui::MainWindowOptions windowOptions;
    windowOptions.demoAnalyzeListingId = parser.value(demoOption);
    dealscope::ui::MainWindow window(context, windowOptions);
    window.show();
    return app.exec();
}
