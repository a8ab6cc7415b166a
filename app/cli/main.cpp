#include "cli/CliApplication.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    dealscope::CliApplication::initApplication();
    dealscope::CliApplication cli;
    cli.start(QCoreApplication::arguments());
    return QCoreApplication::exec();
}
