#pragma once

class QString;

namespace dealscope::server {

// The whole dealscope-server program (app/server/main.cpp only calls this): the server, or the
// `token` command. `version` is what --version prints after the program name. Returns the exit code.
int runServerMain(int argc, char **argv, const QString &version);

} // namespace dealscope::server
