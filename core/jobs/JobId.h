#pragma once

#include <QString>

namespace dealscope {

// 21-character URL-safe id from the nanoid alphabet, drawn from a CSPRNG (QRandomGenerator::system()).
QString generateJobId();
bool isValidJobId(QStringView id);

} // namespace dealscope
