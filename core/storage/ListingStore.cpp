#include "storage/ListingStore.h"

#include "storage/StorageLog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <nlohmann/json.hpp>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::ListingStore {

LoadResult load(const QString &file)
{
    LoadResult out;
    QFile f(file);
    if (!f.exists())
        return out;
    out.exists = true;
    if (!f.open(QIODevice::ReadOnly)) {
        out.error = f.errorString();
        return out;
    }
    const QByteArray bytes = f.readAll();
    const auto json = nlohmann::json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
    if (json.is_discarded() || !json.is_array()) {
        out.error = u"%1 is not a JSON array of listings"_s.arg(file);
        return out;
    }
    out.listings.reserve(qsizetype(json.size()));
    for (const auto &item : json) {
        try {
            out.listings.append(listingFromJson(item));
        } catch (const std::exception &e) {
            ++out.skipped;
            qCWarning(lcStorage) << "skipping stored listing:" << e.what();
        }
    }
    return out;
}

bool save(const QString &file, const QList<Listing> &listings, QString *error)
{
    QDir().mkpath(QFileInfo(file).absolutePath());
    nlohmann::json arr = nlohmann::json::array();
    for (const Listing &l : listings)
        arr.push_back(listingToJson(l));
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error)
            *error = f.errorString();
        return false;
    }
    const std::string text = arr.dump();
    f.write(text.data(), qint64(text.size()));
    if (!f.commit()) {
        if (error)
            *error = f.errorString();
        return false;
    }
    return true;
}

} // namespace dealscope::ListingStore
