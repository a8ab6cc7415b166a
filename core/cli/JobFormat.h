#pragma once

#include "jobs/Job.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace dealscope {

// Human-readable renderings of jobs for stdout (--json prints jobToJson instead).
namespace JobFormat {

// Columns padded to the widest cell; the first row is the header.
QString table(const QList<QStringList> &rows);
QStringList tableHeader();
// One table row: id, listing, type, status, progress, attempt, updated, score or error.
QStringList tableRow(const Job &job);
// A finished job in a few lines: status, score, summary and the error of a failed one.
QString report(const Job &job);
// A result's score when it has one, as text.
QString scoreText(const Job &job);

} // namespace JobFormat
} // namespace dealscope
