#pragma once

#include <QByteArray>
#include <QList>

#include <nlohmann/json.hpp>

namespace dealscope {

struct StoredResult;

// Results as a JSON array: per result its ids, title, type and score at the top, the whole job
// (with its result) under "job", the listing snapshot under "listing", and the notes and tags of
// the result and of its listing. "job" and "listing" are what the library's JSON export wrote
// before, so older readers keep working.
namespace JsonExport {
nlohmann::json toJson(const StoredResult &result);
QByteArray write(const QList<StoredResult> &results);
} // namespace JsonExport

} // namespace dealscope
