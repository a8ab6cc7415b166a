#pragma once

#include "export/ExportFormat.h"

#include <QList>
#include <QString>

namespace dealscope {

struct StoredResult;

// Writes results to a file in one of the export formats, atomically (QSaveFile: a failed or
// interrupted export leaves any earlier file as it was). Blocking: the desktop calls it on a
// worker (ExportService), the CLI on its own thread.
namespace Exporter {
struct Outcome
{
    bool ok = false;
    int count = 0;
    QString error; // why it failed, for the user
};
Outcome write(const QList<StoredResult> &results, ExportFormat format, const QString &file);
} // namespace Exporter

} // namespace dealscope
