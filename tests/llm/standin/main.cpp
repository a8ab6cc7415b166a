// dealscope-llm-standin: the OpenAI-compatible stand-in used by the tests (see StandInServer.h).
// Prints "PORT <n>" on stdout once it listens on 127.0.0.1.
#include "StandInServer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("port"), QStringLiteral("TCP port (0 = any free port)."), QStringLiteral("port"),
        QStringLiteral("0") });
    parser.addOption(
        { QStringLiteral("key"), QStringLiteral("The API key requests must carry."), QStringLiteral("key") });
    parser.process(app);
    StandInServer server(parser.value(QStringLiteral("key")));
    if (!server.listen(static_cast<quint16>(parser.value(QStringLiteral("port")).toUInt()))) {
        QTextStream(stderr) << "cannot listen\n";
        return 1;
    }
    QTextStream(stdout) << "PORT " << server.port() << Qt::endl;
    return app.exec();
}
