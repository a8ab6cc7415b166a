#pragma once

#include <QList>
#include <QString>

class QIODevice;

namespace dealscope {

struct StoredResult;

// Results as a PDF report (QTextDocument printed on a QPdfWriter, A4): per result, on a page of
// its own, the listing, the analysis as the result view shows it (metrics, valuation range,
// findings, benchmark and its sources), the multiples chart and the notes and tags. Works on
// any thread of a QGuiApplication (the CLI makes one, offscreen, for this); light colours
// whatever the desktop's theme, since it is printed.
namespace PdfExport {
// False with `error` set when the device cannot be written.
bool write(const QList<StoredResult> &results, QIODevice &device, QString *error = nullptr);
QString html(const QList<StoredResult> &results); // what is printed, for tests
} // namespace PdfExport

} // namespace dealscope
