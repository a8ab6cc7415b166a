#include "Version.h"

namespace dealscope::version {

QString text()
{
    return number() + QStringLiteral(" (git ") + revision()
        + (dirty() ? QStringLiteral(", dirty)") : QStringLiteral(")"));
}

} // namespace dealscope::version
