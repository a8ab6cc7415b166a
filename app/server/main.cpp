#include "server/ServerMain.h"

int main(int argc, char **argv)
{
    return dealscope::server::runServerMain(argc, argv);
}
