#include "benchmarks/BenchmarkTable.h"

#include "benchmarks/SectorKeywords.h"
#include "common/CsvReader.h"

#include <QFile>
#include <QRegularExpression>

#include <mutex>
#include <stdexcept>

namespace dealscope {

namespace {

// Case- and punctuation-insensitive key: "Food & Restaurants" == "food and restaurants".
QString nameKey(QStringView name)
{
    QString key;
    key.reserve(name.size());
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        // ASCII without QChar's Unicode tables: every lookup of every analysis builds keys.
        if (u < 128) {
            if (u == u'&')
                key += QLatin1String("and");
            else if ((u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9'))
                key += c;
            else if (u >= u'A' && u <= u'Z')
                key += QChar(char16_t(u + 32));
        } else if (c.isLetterOrNumber()) {
            key += c.toLower();
        }
    }
    return key;
}

// Column lookup for the two benchmark CSV formats.
class Columns final
{
public:
    Columns(const QList<QString> &header, const char *file)
        : m_header(header)
        , m_file(file)
    { }
    int require(const char *name) const
    {
        const int i = find(name);
        if (i < 0)
            throw std::runtime_error(std::string(m_file) + ": missing column '" + name + "'");
        return i;
    }
    int find(const char *name) const { return static_cast<int>(m_header.indexOf(QString::fromLatin1(name))); }

private:
    QList<QString> m_header;
    const char *m_file;
};

QString cell(const CsvRecord &r, int column)
{
    return column >= 0 && column < r.fields.size() ? r.fields[column].trimmed() : QString();
}

std::string where(const char *file, const CsvRecord &r)
{
    return std::string(file) + " line " + std::to_string(r.line);
}

std::optional<double> parseDouble(const CsvRecord &r, int column, const char *file)
{
    const QString text = cell(r, column);
    if (text.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || v <= 0 || v > 1000)
        throw std::runtime_error(where(file, r) + ": bad multiple '" + text.toStdString() + "'");
    return v;
}

std::optional<qint64> parseAmount(const CsvRecord &r, int column, const char *file)
{
    const QString text = cell(r, column);
    if (text.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < 0)
        throw std::runtime_error(where(file, r) + ": bad amount '" + text.toStdString() + "'");
    return v;
}

// "All (2025)" → 2025, "All" → 0; -1 when the row is not an all-sector row.
int allRowYear(const QString &sector)
{
    static const QRegularExpression re(
        QStringLiteral("^all(?:\\s*\\((\\d{4})\\))?$"), QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(sector.trimmed());
    if (!m.hasMatch())
        return -1;
    return m.captured(1).isEmpty() ? 0 : m.captured(1).toInt();
}

} // namespace

std::shared_ptr<const BenchmarkTable> BenchmarkTable::builtin()
{
    static std::mutex mutex;
    static std::shared_ptr<const BenchmarkTable> table;
    const std::lock_guard lock(mutex);
    if (!table) {
        auto read = [](const QString &path) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                throw std::runtime_error("benchmark resource missing: " + path.toStdString());
            return file.readAll();
        };
        table = fromCsv(read(QStringLiteral(":/benchmarks/industry-multiples-2021-2025.csv")),
            read(QStringLiteral(":/benchmarks/sector-benchmarks.csv")));
    }
    return table;
}

std::shared_ptr<const BenchmarkTable> BenchmarkTable::fromCsv(
    const QByteArray &industryMultiplesCsv, const QByteArray &sectorBenchmarksCsv)
{
    std::shared_ptr<BenchmarkTable> t(new BenchmarkTable);

    // The industry-multiples table defines the sector list (BizBuySell's 15 sectors) and the
    // per-industry rows. It is a secondary source (a public repo's transcription of BizBuySell
    // data); the citation says so.
    {
        const char *file = "industry-multiples";
        CsvReader reader(industryMultiplesCsv);
        CsvRecord r;
        if (!reader.next(r))
            throw std::runtime_error("industry-multiples: empty file");
        const Columns cols(r.fields, file);
        const int cLevel = cols.require("level"), cSector = cols.require("sector"),
                  cIndustry = cols.require("industry"), cRev = cols.require("revenue_multiple"),
                  cSde = cols.require("sde_multiple"), cPrice = cols.require("median_sale_price"),
                  cSource = cols.require("source");
        while (reader.next(r)) {
            if (r.unterminatedQuote)
                throw std::runtime_error(where(file, r) + ": unterminated quote");
            const QString level = cell(r, cLevel).toLower();
            const QString sector = cell(r, cSector);
            if (sector.isEmpty())
                throw std::runtime_error(where(file, r) + ": empty sector");
            const QString source = QStringLiteral("Secondary source: ") + cell(r, cSource);
            if (level == QLatin1String("sector")) {
                SectorBenchmark s;
                s.sector = sector;
                s.sdeMultiple = parseDouble(r, cSde, file);
                s.revenueMultiple = parseDouble(r, cRev, file);
                s.medianSalePrice = parseAmount(r, cPrice, file);
                s.source = source;
                t->m_sectorByKey.insert(nameKey(sector), t->m_sectors.size());
                t->m_sectors.append(s);
            } else if (level == QLatin1String("industry")) {
                IndustryBenchmark i;
                i.sector = sector;
                i.industry = cell(r, cIndustry);
                if (i.industry.isEmpty())
                    throw std::runtime_error(where(file, r) + ": empty industry");
                i.sdeMultiple = parseDouble(r, cSde, file);
                i.revenueMultiple = parseDouble(r, cRev, file);
                i.medianSalePrice = parseAmount(r, cPrice, file);
                i.source = source;
                t->m_industryByKey.insert(nameKey(i.industry), t->m_industries.size());
                t->m_industries.append(i);
            } else {
                throw std::runtime_error(where(file, r) + ": unknown level '" + level.toStdString() + "'");
            }
        }
        if (t->m_sectors.isEmpty())
            throw std::runtime_error("industry-multiples: no sector rows");
        for (const IndustryBenchmark &i : std::as_const(t->m_industries))
            if (!t->m_sectorByKey.contains(nameKey(i.sector)))
                throw std::runtime_error("industry-multiples: industry '" + i.industry.toStdString()
                    + "' names unknown sector '" + i.sector.toStdString() + "'");
    }

    // BizBuySell's own sector pages: the all-sector figures, and median revenue / owner earnings
    // that the secondary table lacks. Their sector names differ ("Restaurants", "Service").
    {
        const char *file = "sector-benchmarks";
        CsvReader reader(sectorBenchmarksCsv);
        CsvRecord r;
        if (!reader.next(r))
            throw std::runtime_error("sector-benchmarks: empty file");
        const Columns cols(r.fields, file);
        const int cSector = cols.require("sector"), cPrice = cols.require("median_sale_price"),
                  cRevenue = cols.require("median_revenue"), cEarnings = cols.require("median_owner_earnings"),
                  cRev = cols.require("avg_revenue_multiple"), cSde = cols.require("avg_earnings_multiple"),
                  cUrl = cols.require("source_url"), cWindow = cols.find("data_window");
        int allYear = -1;
        t->m_all.sector = QStringLiteral("All");
        while (reader.next(r)) {
            if (r.unterminatedQuote)
                throw std::runtime_error(where(file, r) + ": unterminated quote");
            const QString name = cell(r, cSector);
            if (name.isEmpty())
                throw std::runtime_error(where(file, r) + ": empty sector");
            const QString window = cell(r, cWindow);
            const QString source = QStringLiteral("BizBuySell, ") + cell(r, cUrl)
                + (window.isEmpty() ? QString() : QStringLiteral(" (") + window + QLatin1Char(')'));
            const int year = allRowYear(name);
            if (year >= 0) {
                if (year > allYear) {
                    allYear = year;
                    SectorBenchmark all;
                    all.sector = QStringLiteral("All");
                    all.sdeMultiple = parseDouble(r, cSde, file);
                    all.revenueMultiple = parseDouble(r, cRev, file);
                    all.medianSalePrice = parseAmount(r, cPrice, file);
                    all.medianRevenue = parseAmount(r, cRevenue, file);
                    all.medianCashFlow = parseAmount(r, cEarnings, file);
                    all.source = source;
                    t->m_all = all;
                }
                continue;
            }
            const QString key = nameKey(name);
            // "Retail" names a sector; "Restaurants" / "Service" are BizBuySell's short names of
            // "Food and Restaurants" / "Service Businesses".
            qsizetype sectorIndex = t->m_sectorByKey.value(key, -1);
            for (qsizetype i = 0; sectorIndex < 0 && key.size() >= 4 && i < t->m_sectors.size(); ++i) {
                const QString sectorKey = nameKey(t->m_sectors[i].sector);
                if (sectorKey.startsWith(key) || sectorKey.endsWith(key))
                    sectorIndex = i;
            }
            if (sectorIndex >= 0) {
                SectorBenchmark &s = t->m_sectors[sectorIndex];
                bool used = false;
                if (!s.medianRevenue) {
                    s.medianRevenue = parseAmount(r, cRevenue, file);
                    used = used || s.medianRevenue.has_value();
                }
                if (!s.medianCashFlow) {
                    s.medianCashFlow = parseAmount(r, cEarnings, file);
                    used = used || s.medianCashFlow.has_value();
                }
                if (used)
                    s.source += QStringLiteral("; median revenue and owner earnings: ") + source;
                continue;
            }
            // An industry-level row ("Metal Product Mfg") becomes another name of that industry.
            QString asIndustry = name;
            static const QRegularExpression mfg(QStringLiteral("\\bMfg\\b"), QRegularExpression::CaseInsensitiveOption);
            asIndustry.replace(mfg, QStringLiteral("Manufacturers"));
            // Copy the index first: insert() may reallocate the storage `it` points into.
            if (const qsizetype index = t->m_industryByKey.value(nameKey(asIndustry), -1); index >= 0)
                t->m_industryByKey.insert(key, index);
        }
        if (allYear < 0)
            throw std::runtime_error("sector-benchmarks: no 'All' row");
    }
    t->precompute();
    return t;
}

void BenchmarkTable::precompute()
{
    m_sectorKeys.clear();
    for (const SectorBenchmark &s : std::as_const(m_sectors))
        m_sectorKeys.append(nameKey(s.sector));
    m_industryMatches.clear();
    for (const IndustryBenchmark &i : std::as_const(m_industries)) {
        BenchmarkMatch m;
        m.level = QStringLiteral("industry");
        m.sector = i.sector;
        m.industry = i.industry;
        m.sdeMultiple = i.sdeMultiple;
        m.revenueMultiple = i.revenueMultiple;
        m.medianSalePrice = i.medianSalePrice;
        m.source = i.source;
        m_industryMatches.append(m);
    }
    auto sectorMatch = [](const SectorBenchmark &b, const QString &level) {
        BenchmarkMatch m;
        m.level = level;
        m.sector = b.sector;
        m.sdeMultiple = b.sdeMultiple;
        m.revenueMultiple = b.revenueMultiple;
        m.medianSalePrice = b.medianSalePrice;
        m.source = b.source;
        return m;
    };
    m_sectorMatches.clear();
    for (const SectorBenchmark &s : std::as_const(m_sectors))
        m_sectorMatches.append(sectorMatch(s, QStringLiteral("sector")));
    m_allMatch = sectorMatch(m_all, QStringLiteral("all"));
    m_allAsSectorMatch = sectorMatch(m_all, QStringLiteral("sector"));
    m_keywordSectorRows.clear();
    for (const QString &name : SectorKeywords::instance().sectorNames())
        m_keywordSectorRows.append(m_sectorByKey.value(nameKey(name), -1));
}

QStringList BenchmarkTable::sectorNames() const
{
    QStringList names;
    names.reserve(m_sectors.size());
    for (const SectorBenchmark &s : m_sectors)
        names.append(s.sector);
    return names;
}

std::optional<SectorBenchmark> BenchmarkTable::sector(QStringView name) const
{
    const QString key = nameKey(name);
    if (key == QLatin1String("all"))
        return m_all;
    if (const auto it = m_sectorByKey.constFind(key); it != m_sectorByKey.cend())
        return m_sectors[*it];
    return std::nullopt;
}

std::optional<IndustryBenchmark> BenchmarkTable::industry(QStringView name) const
{
    const qsizetype row = industryRow(nameKey(name));
    if (row < 0)
        return std::nullopt;
    return m_industries[row];
}

qsizetype BenchmarkTable::industryRow(QString key) const
{
    if (key.isEmpty())
        return -1;
    // The key as written, then with the plural endings "s" and "es", in one buffer.
    if (const auto it = m_industryByKey.constFind(key); it != m_industryByKey.cend())
        return *it;
    key += QLatin1Char('s');
    if (const auto it = m_industryByKey.constFind(key); it != m_industryByKey.cend())
        return *it;
    key.insert(key.size() - 1, QLatin1Char('e'));
    if (const auto it = m_industryByKey.constFind(key); it != m_industryByKey.cend())
        return *it;
    return -1;
}

SectorBenchmark BenchmarkTable::allSectors() const
{
    return m_all;
}

QString BenchmarkTable::sectorForIndustry(QStringView industry) const
{
    const QString key = nameKey(industry);
    if (key.isEmpty())
        return {};
    if (const auto it = m_sectorByKey.constFind(key); it != m_sectorByKey.cend())
        return m_sectors[*it].sector;
    if (const qsizetype row = industryRow(key); row >= 0)
        return m_industries[row].sector;
    // A sector named by its first word(s): "Automotive", "Food", "Health Care", "Wholesale".
    for (qsizetype i = 0; key.size() >= 4 && i < m_sectors.size(); ++i)
        if (m_sectorKeys[i].startsWith(key))
            return m_sectors[i].sector;
    // Free text ("Pizza place", "HVAC contractor"): the keywords, read as a title.
    return inferSector(industry, {});
}

QString BenchmarkTable::inferSector(QStringView title, QStringView description) const
{
    const SectorKeywords &keywords = SectorKeywords::instance();
    QList<int> scores(keywords.sectorNames().size(), 0);
    QList<int> titleScores(keywords.sectorNames().size(), 0);
    keywords.score(title, 1, titleScores, 1000);
    // The opening of a description says what the business is; the rest mentions everything.
    keywords.score(description, 1, scores, 3000);
    // The title says what the business is; the description mentions everything. Ties go to
    // the title's choice; a tie that the title does not break means "unsure".
    const auto better = [&](qsizetype a, qsizetype b) {
        const int sa = 4 * titleScores[a] + scores[a], sb = 4 * titleScores[b] + scores[b];
        return sa != sb ? sa > sb : titleScores[a] > titleScores[b];
    };
    qsizetype best = 0;
    for (qsizetype i = 1; i < scores.size(); ++i)
        if (better(i, best))
            best = i;
    bool unique = true;
    for (qsizetype i = 0; i < scores.size(); ++i)
        if (i != best && !better(best, i))
            unique = false;
    // Unsure: no evidence, a tie, or a single passing mention in the description only.
    if (!unique || (titleScores[best] == 0 && scores[best] < 2))
        return {};
    const qsizetype row = m_keywordSectorRows.value(best, -1);
    return row >= 0 ? m_sectors[row].sector : QString();
}

QString BenchmarkTable::sectorOf(const Listing &listing) const
{
    if (!listing.industry.isEmpty()) {
        const QString s = sectorForIndustry(listing.industry);
        if (!s.isEmpty())
            return s;
    }
    return inferSector(listing.title, listing.description);
}

BenchmarkMatch BenchmarkTable::lookup(const Listing &listing) const
{
    return matchFor(listing, {});
}

const BenchmarkMatch &BenchmarkTable::matchFor(const Listing &listing, std::optional<QString> sectorOfListing) const
{
    if (!listing.industry.isEmpty()) {
        QString key = nameKey(listing.industry);
        if (!m_sectorByKey.contains(key))
            if (const qsizetype row = industryRow(std::move(key)); row >= 0)
                return m_industryMatches[row];
    }
    const QString sectorName = sectorOfListing ? *std::move(sectorOfListing) : sectorOf(listing);
    if (sectorName.isEmpty())
        return m_allMatch;
    const QString key = nameKey(sectorName);
    if (key == QLatin1String("all")) // sector("All") answers with the all-sector row
        return m_allAsSectorMatch;
    if (const auto it = m_sectorByKey.constFind(key); it != m_sectorByKey.cend())
        return m_sectorMatches[*it];
    return m_allMatch;
}

} // namespace dealscope
