#include "Version.h"
#include "server/ServerMain.h"

int main(int argc, char **argv)
{
    return dealscope::server::runServerMain(argc, argv, dealscope::version::text());
}
