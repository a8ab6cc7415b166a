#pragma once

#include <QString>

// The version and source revision of this build, for --version and bug reports. number(),
// revision() and dirty() are generated at build time (app/version/CMakeLists.txt).
namespace dealscope::version {

// The project version, e.g. "0.1.0".
QString number();
// The git commit the build came from (12 hex digits), or "unknown" outside a git checkout.
QString revision();
// Whether tracked files differed from revision() when the program was built.
bool dirty();
// What --version prints after the program name: "0.1.0 (git 81433e0a1b2c)", with ", dirty"
// before the parenthesis closes when dirty().
QString text();

} // namespace dealscope::version
