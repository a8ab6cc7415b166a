#include "cli/Console.h"

#include <cstdio>
#ifdef Q_OS_WIN
#include <io.h>
#else
#include <unistd.h>
#endif

namespace dealscope {

namespace {
void write(std::FILE *stream, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}
} // namespace

void Console::out(const QString &text)
{
    write(stdout, text.toUtf8());
}

void Console::outBytes(const QByteArray &bytes)
{
    write(stdout, bytes);
}

void Console::err(const QString &text)
{
    write(stderr, text.toUtf8());
}

bool Console::stderrIsTerminal()
{
#ifdef Q_OS_WIN
    return ::_isatty(::_fileno(stderr)) != 0;
#else
    return ::isatty(STDERR_FILENO) == 1;
#endif
}

} // namespace dealscope
