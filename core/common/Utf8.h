#pragma once

#include <QtGlobal>

namespace dealscope {

// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(const char *data, qsizetype size);

} // namespace dealscope
