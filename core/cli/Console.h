#pragma once

#include <QString>

namespace dealscope {

// stdout carries a command's result (machine-readable with --json); stderr carries progress and
// messages. Both are written as UTF-8 and flushed at once so that a reader of a pipe (or a test
// that kills the process) sees every complete line.
class Console final
{
public:
    static void out(const QString &text);
    static void outBytes(const QByteArray &bytes);
    static void err(const QString &text);
    static bool stderrIsTerminal();
};

} // namespace dealscope
