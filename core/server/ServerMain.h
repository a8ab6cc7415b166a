#pragma once

namespace dealscope::server {

// The whole dealscope-server program (app/server/main.cpp only calls this): the server, or the
// `token` command. Returns the exit code.
int runServerMain(int argc, char **argv);

} // namespace dealscope::server
