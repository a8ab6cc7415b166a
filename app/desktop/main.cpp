#include "Version.h"
#include "app/AppContext.h"
#include "ui/mainwindow/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QUrl>

using namespace Qt::Literals::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"Dealscope"_s);
    QApplication::setApplicationName(u"Dealscope"_s);
    QApplication::setApplicationVersion(dealscope::version::text());
    // The installed desktop entry is DEALSCOPE_APP_ID.desktop, the icon DEALSCOPE_APP_ID (installer/).
    QApplication::setDesktopFileName(QStringLiteral(DEALSCOPE_APP_ID));
    if (QIcon::hasThemeIcon(QStringLiteral(DEALSCOPE_APP_ID)))
        QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral(DEALSCOPE_APP_ID)));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Background analyses of small businesses for sale"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        u"files"_s, u"Listings files (CSV or JSON) to import, as File > Import does."_s, u"[FILE...]"_s);
    const QCommandLineOption settingsOption(
        u"settings"_s, u"Use the INI settings FILE instead of the platform settings."_s, u"FILE"_s);
    const QCommandLineOption dataOption(u"data-dir"_s, u"Keep listings, jobs and results in DIR."_s, u"DIR"_s);
    const QCommandLineOption demoOption(
        u"demo-analyze"_s, u"Once the listings are loaded, select listing ID and run its valuation."_s, u"ID"_s);
    const QCommandLineOption memorySecrets(
        u"memory-secrets"_s, u"Do not use the system keychain; keep secrets in memory only."_s);
    const QCommandLineOption serverOption(
        u"server"_s, u"Run new analyses on the job server at URL (server mode; saved in the settings)."_s, u"URL"_s);
    parser.addOptions({ settingsOption, dataOption, demoOption, memorySecrets, serverOption });
    parser.process(app);

    dealscope::AppContextOptions options;
    options.settingsFile = parser.value(settingsOption);
    options.dataDir = parser.value(dataOption);
    if (parser.isSet(serverOption))
        options.server = QUrl::fromUserInput(parser.value(serverOption));
    if (parser.isSet(memorySecrets))
        options.secretMode = dealscope::SecretStore::Mode::MemoryOnly;
    dealscope::AppContext context(options); // outlives the window: it is what the window shows

    dealscope::ui::MainWindowOptions windowOptions;
    windowOptions.demoAnalyzeListingId = parser.value(demoOption);
    for (const QString &file : parser.positionalArguments())
        windowOptions.importFiles.append(QFileInfo(file).absoluteFilePath());
    dealscope::ui::MainWindow window(context, windowOptions);
    window.show();
    return app.exec();
}
