#include "Version.h"
#include "server/ServerApp.h"

int main(int argc, char **argv)
{
    return dealscope::server::runServerMain(argc, argv, dealscope::version::text());
}
