#include "Version.h"
#include "cli/CliApplication.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    const auto app = dealscope::CliApplication::createApplication(argc, argv);
    dealscope::CliApplication::initApplication();
    QCoreApplication::setApplicationVersion(dealscope::version::text());
    dealscope::CliApplication cli;
    cli.start(QCoreApplication::arguments());
    return QCoreApplication::exec();
}
