#include "import/ListingImporter.h"

#include "benchmarks/BenchmarkTable.h"
#include "common/CsvReader.h"
#include "common/JsonQt.h"
#include "common/Utf8.h"
#include "import/ImportLog.h"
#include "import/ListingField.h"
#include "import/LocationParser.h"
#include "import/MoneyParser.h"

#include <QCryptographicHash>
#include <QDate>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace dealscope {

namespace {

// Stands in front of a number literal that does not fit a double, turned into a string so that
// the parse goes on (nlohmann throws out_of_range for it): a noncharacter, which no text
// exchanged between programs contains.
const QChar kTooLargeMark(0xFDD0);

using Severity = ImportDiagnostic::Severity;

constexpr qsizetype kMaxTitleChars = 500;

QString quoted(QStringView value)
{
    QString shown = value.left(40).toString();
    shown.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (value.size() > 40)
        shown += QStringLiteral("…");
    return QLatin1Char('\'') + shown + QLatin1Char('\'');
}

// QString::simplified() without the copy when the text is already simple (the common case).
QString tidy(const QString &s)
{
    const qsizetype n = s.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = s[i];
        if (c == QLatin1Char(' ')) {
            if (i == 0 || i == n - 1 || s[i - 1] == QLatin1Char(' '))
                return s.simplified();
        } else if (c.unicode() < 128 ? (c.unicode() >= 9 && c.unicode() <= 13) : c.isSpace()) {
            return s.simplified();
        }
    }
    return s;
}

bool hasLetterOrDigit(QStringView s)
{
    for (const QChar c : s)
        if (c.isLetterOrNumber())
            return true;
    return false;
}

std::optional<bool> parseBool(QStringView text)
{
    const QString t = text.trimmed().toString().toLower();
    if (t == QLatin1String("true") || t == QLatin1String("yes") || t == QLatin1String("y") || t == QLatin1String("1")
        || t.startsWith(QLatin1String("included")))
        return true;
    if (t == QLatin1String("false") || t == QLatin1String("no") || t == QLatin1String("n") || t == QLatin1String("0")
        || t.startsWith(QLatin1String("not included")))
        return false;
    return std::nullopt;
}

// Scraped search pages (BizQuest) have no location column; their description text repeats the
// title immediately followed by "City, ST". Only a valid state code after the comma is accepted.
QString locationAfterTitle(const QString &title, const QString &description)
{
    if (title.size() < 4 || description.size() <= title.size())
        return {};
    const qsizetype at = description.indexOf(title);
    if (at < 0)
        return {};
    static const QRegularExpression pattern(QStringLiteral("^([A-Z][A-Za-z.' -]{1,40}?), ([A-Z]{2})(?![A-Za-z])"));
    const QString rest = description.mid(at + title.size(), 60);
    const QRegularExpressionMatch m = pattern.match(rest);
    if (!m.hasMatch() || LocationParser::stateCode(m.capturedView(2)).isEmpty())
        return {};
    return m.captured(1).trimmed() + QStringLiteral(", ") + m.captured(2);
}

// True when the data has bytes above 0x7F but not one valid UTF-8 multi-byte sequence: a legacy
// single-byte encoding. Files that mix both stay UTF-8 and get per-row warnings instead.
bool looksWindows1252(const QByteArray &data)
{
    const auto *p = reinterpret_cast<const unsigned char *>(data.constData());
    const qsizetype n = data.size();
    bool high = false;
    for (qsizetype i = 0; i < n; ++i) {
        if (p[i] < 0x80)
            continue;
        high = true;
        const int extra = (p[i] >= 0xC2 && p[i] <= 0xDF) ? 1
            : (p[i] >= 0xE0 && p[i] <= 0xEF)             ? 2
            : (p[i] >= 0xF0 && p[i] <= 0xF4)             ? 3
                                                         : 0;
        if (extra > 0 && i + extra < n && isValidUtf8(data.constData() + i, extra + 1))
            return false;
    }
    return high;
}

QByteArray windows1252ToUtf8(const QByteArray &data)
{
    // 0x80–0x9F differ from Latin-1 (curly quotes, dashes, €); undefined ones map to U+FFFD.
    static const char16_t high[32] = { 0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030,
        0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178 };
    QString text(data.size(), Qt::Uninitialized);
    QChar *out = text.data();
    for (const char c : data) {
        const auto b = static_cast<unsigned char>(c);
        *out++ = (b >= 0x80 && b < 0xA0) ? QChar(high[b - 0x80]) : QChar(char16_t(b));
    }
    return text.toUtf8();
}

// Heuristic for "this is not a text file": control bytes that no CSV or JSON contains. A few NUL
// bytes inside a text file are reported per row instead.
bool looksBinary(const QByteArray &data)
{
    const qsizetype n = std::min<qsizetype>(data.size(), 65536);
    qsizetype suspicious = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7F)
            ++suspicious;
    }
    return n > 0 && (suspicious * 100 > n * 2 || (suspicious > 0 && n < 64 && suspicious * 10 > n));
}

// Per-import state: the result being built, the ids seen so far and the row being assembled.
class Session final
{
public:
    Session(const BenchmarkTable &benchmarks, const ListingImporter::Options &options)
        : m_benchmarks(benchmarks)
        , m_options(options)
        , m_currentYear(options.currentYear > 0 ? options.currentYear : QDate::currentDate().year())
    { }

    ImportResult result;

    void diag(qsizetype line, qsizetype record, const QString &column, Severity severity, const QString &message)
    {
        if (severity == Severity::Error)
            ++result.errors;
        else
            ++result.warnings;
        if (result.diagnostics.size() < m_options.maxDiagnostics)
            result.diagnostics.append(ImportDiagnostic { line, record, column, severity, message });
        else
            ++result.diagnosticsDropped;
    }

    struct Row final
    {
        Listing listing;
        qsizetype line = 0;
        qsizetype record = 0;
        QString titleColumn;
        QString idColumn;
        QString urlColumn;
        std::optional<bool> industryInferred;
    };

    void warn(const Row &row, const QString &column, const QString &message)
    {
        diag(row.line, row.record, column, Severity::Warning, message);
    }

    void applyMoney(Row &row, std::optional<qint64> &target, QStringView text, const QString &column, bool isFfe)
    {
        const MoneyParser::Result r = MoneyParser::parse(text);
        switch (r.status) {
        case MoneyParser::Status::Value:
            target = r.value;
            return;
        case MoneyParser::Status::Missing:
            return;
        case MoneyParser::Status::Included:
        case MoneyParser::Status::NotIncluded:
            if (!isFfe) // "FF&E: Included in asking price" is a statement, not an amount.
                warn(row, column,
                    QStringLiteral("not a money amount: ") + quoted(text) + QStringLiteral("; read as unknown"));
            return;
        case MoneyParser::Status::Invalid:
            warn(row, column, r.problem + QStringLiteral("; read as unknown"));
            return;
        }
    }

    void applyInventory(Row &row, QStringView text, const QString &column)
    {
        const MoneyParser::Result r = MoneyParser::parse(text);
        switch (r.status) {
        case MoneyParser::Status::Value:
            row.listing.inventory = r.value;
            return;
        case MoneyParser::Status::Missing:
            return;
        case MoneyParser::Status::Included:
            row.listing.inventoryIncluded = true;
            return;
        case MoneyParser::Status::NotIncluded:
            row.listing.inventoryIncluded = false;
            return;
        case MoneyParser::Status::Invalid:
            break;
        }
        // "$50,000 (included in asking price)": an amount and a flag.
        const QString lower = text.toString().toLower();
        const qsizetype paren = lower.indexOf(QLatin1Char('('));
        if (paren > 0 && lower.contains(QLatin1String("included"))) {
            const MoneyParser::Result amount = MoneyParser::parse(text.left(paren));
            if (amount.status == MoneyParser::Status::Value) {
                row.listing.inventory = amount.value;
                row.listing.inventoryIncluded = !lower.contains(QLatin1String("not included"));
                return;
            }
        }
        warn(row, column, r.problem + QStringLiteral("; read as unknown"));
    }

    void applyYear(Row &row, QStringView text, const QString &column)
    {
        const QStringView t = text.trimmed();
        if (MoneyParser::isMissingToken(t))
            return;
        bool ok = false;
        int year = t.toInt(&ok);
        if (!ok && t.endsWith(QLatin1String(".0")))
            year = t.chopped(2).toInt(&ok);
        if (!ok) {
            warn(row, column, QStringLiteral("not a year: ") + quoted(t) + QStringLiteral("; read as unknown"));
            return;
        }
        setYear(row, year, column);
    }

    void setYear(Row &row, qint64 year, const QString &column)
    {
        if (year < 1600 || year > m_currentYear + 1) {
            warn(row, column,
                QStringLiteral("year %1 is out of range 1600–%2; read as unknown").arg(year).arg(m_currentYear + 1));
            return;
        }
        row.listing.yearEstablished = static_cast<int>(year);
    }

    void applyEmployees(Row &row, QStringView text, const QString &column)
    {
        const QStringView t = text.trimmed();
        if (MoneyParser::isMissingToken(t))
            return;
        // "12", "10+", "5 full-time": the leading count.
        qsizetype digits = 0;
        while (digits < t.size() && digits < 9 && t[digits].isDigit() && t[digits].unicode() < 128)
            ++digits;
        if (digits == 0 || (digits < t.size() && t[digits].isDigit())) {
            warn(row, column,
                QStringLiteral("not a number of employees: ") + quoted(t) + QStringLiteral("; read as unknown"));
            return;
        }
        row.listing.employees = t.left(digits).toInt();
    }

    void applyString(Row &row, ListingField field, const QString &value, const QString &column)
    {
        Listing &l = row.listing;
        // "N/A" in a text column means unknown, like an empty cell (titles are checked in finish()).
        switch (field) {
        case ListingField::Industry:
        case ListingField::Location:
        case ListingField::City:
        case ListingField::State:
        case ListingField::Description:
        case ListingField::Url:
        case ListingField::Source:
            if (value.size() < 24 && MoneyParser::isMissingToken(value))
                return;
            break;
        default:
            break;
        }
        switch (field) {
        case ListingField::Id:
            l.id = value.trimmed();
            if (!l.id.isEmpty())
                row.idColumn = column;
            break;
        case ListingField::Title:
            l.title = tidy(value);
            row.titleColumn = column;
            break;
        case ListingField::Industry:
            l.industry = tidy(value);
            break;
        case ListingField::IndustryInferred:
            if (!value.trimmed().isEmpty()) {
                row.industryInferred = parseBool(value);
                if (!row.industryInferred)
                    warn(row, column, QStringLiteral("not a boolean: ") + quoted(value) + QStringLiteral("; ignored"));
            }
            break;
        case ListingField::Location:
            l.location = tidy(value);
            break;
        case ListingField::City:
            l.city = tidy(value);
            break;
        case ListingField::State: {
            const QString code = LocationParser::stateCode(value);
            l.state = code.isEmpty() ? tidy(value) : code;
            break;
        }
        case ListingField::AskingPrice:
            applyMoney(row, l.askingPrice, value, column, false);
            break;
        case ListingField::GrossRevenue:
            applyMoney(row, l.grossRevenue, value, column, false);
            break;
        case ListingField::CashFlow:
            applyMoney(row, l.cashFlow, value, column, false);
            break;
        case ListingField::Ebitda:
            applyMoney(row, l.ebitda, value, column, false);
            break;
        case ListingField::Ffe:
            applyMoney(row, l.ffe, value, column, true);
            break;
        case ListingField::Inventory:
            applyInventory(row, value, column);
            break;
        case ListingField::InventoryIncluded:
            if (!value.trimmed().isEmpty() && !MoneyParser::isMissingToken(value)) {
                l.inventoryIncluded = parseBool(value);
                if (!l.inventoryIncluded)
                    warn(row, column,
                        QStringLiteral("not a yes/no value: ") + quoted(value) + QStringLiteral("; read as unknown"));
            }
            break;
        case ListingField::YearEstablished:
            applyYear(row, value, column);
            break;
        case ListingField::Employees:
            applyEmployees(row, value, column);
            break;
        case ListingField::Description:
            l.description = value.trimmed();
            break;
        case ListingField::Url:
            l.url = value.trimmed();
            row.urlColumn = column;
            break;
        case ListingField::Source:
            l.source = tidy(value);
            break;
        }
    }

    void applyJson(Row &row, ListingField field, const nlohmann::json &value, const QString &key)
    {
        if (value.is_null())
            return;
        if (value.is_string()) {
            const QString text = QString::fromStdString(value.get_ref<const std::string &>());
            if (text.startsWith(kTooLargeMark)) { // a number literal beyond a double (importJson)
                warn(row, key,
                    QStringLiteral("not a number: %1 does not fit a double; read as unknown")
                        .arg(text.mid(1).left(40)));
                return;
            }
            applyString(row, field, text, key);
            return;
        }
        Listing &l = row.listing;
        if (value.is_boolean()) {
            if (field == ListingField::InventoryIncluded || field == ListingField::Inventory)
                l.inventoryIncluded = value.get<bool>();
            else if (field == ListingField::IndustryInferred)
                row.industryInferred = value.get<bool>();
            else
                warn(row, key, QStringLiteral("unexpected true/false; ignored"));
            return;
        }
        if (value.is_number()) {
            std::optional<qint64> *money = nullptr;
            switch (field) {
            case ListingField::AskingPrice:
                money = &l.askingPrice;
                break;
            case ListingField::GrossRevenue:
                money = &l.grossRevenue;
                break;
            case ListingField::CashFlow:
                money = &l.cashFlow;
                break;
            case ListingField::Ebitda:
                money = &l.ebitda;
                break;
            case ListingField::Inventory:
                money = &l.inventory;
                break;
            case ListingField::Ffe:
                money = &l.ffe;
                break;
            case ListingField::Id:
                l.id = QString::fromStdString(value.dump());
                row.idColumn = key;
                return;
            default:
                break;
            }
            const double d = value.get<double>();
            if (!std::isfinite(d) || d < 0 || d > 1e15) {
                warn(row, key,
                    QStringLiteral("number %1 is out of range; read as unknown")
                        .arg(QString::fromStdString(value.dump())));
                return;
            }
            const qint64 whole = value.is_number_float() ? static_cast<qint64>(std::llround(d)) : value.get<qint64>();
            if (money) {
                *money = whole;
            } else if (field == ListingField::YearEstablished) {
                setYear(row, whole, key);
            } else if (field == ListingField::Employees) {
                if (whole > 10'000'000)
                    warn(row, key, QStringLiteral("number %1 is out of range; read as unknown").arg(whole));
                else
                    l.employees = static_cast<int>(whole);
            } else {
                warn(row, key, QStringLiteral("expected text, got a number; ignored"));
            }
            return;
        }
        if (value.is_object() && field == ListingField::Location) {
            if (const auto c = value.find("city"); c != value.end() && c->is_string())
                l.city = QString::fromStdString(c->get<std::string>()).simplified();
            if (const auto s = value.find("state"); s != value.end() && s->is_string())
                applyString(row, ListingField::State, QString::fromStdString(s->get<std::string>()), key);
            if (l.location.isEmpty() && !(l.city.isEmpty() && l.state.isEmpty()))
                l.location = l.city.isEmpty() ? l.state
                    : l.state.isEmpty()       ? l.city
                                              : l.city + QStringLiteral(", ") + l.state;
            return;
        }
        warn(row, key, QStringLiteral("unexpected %1; ignored").arg(QString::fromLatin1(value.type_name())));
    }

    // Validates and completes a row; appends it or rejects it with one error.
    // `hashInput` is called only when the row has neither an id nor a numeric URL.
    template <typename HashInput> void finish(Row &row, const HashInput &hashInput)
    {
        Listing &l = row.listing;
        // "N/A" or "-" is a placeholder, not a title (BizBuySell's franchise ads have "N/A").
        if (!hasLetterOrDigit(l.title) || MoneyParser::isMissingToken(l.title)) {
            diag(row.line, row.record, row.titleColumn, Severity::Error,
                l.title.isEmpty() ? QStringLiteral("no title; row rejected")
                                  : QStringLiteral("no usable title (%1); row rejected").arg(quoted(l.title)));
            return;
        }
        if (l.title.size() > kMaxTitleChars) {
            warn(row, row.titleColumn,
                QStringLiteral("title of %1 characters cut to %2").arg(l.title.size()).arg(kMaxTitleChars));
            l.title.truncate(kMaxTitleChars);
        }

        QString idColumn = row.idColumn;
        if (l.id.isEmpty()) {
            l.id = ListingImporter::idFromUrl(l.url);
            idColumn = row.urlColumn;
        }
        if (l.id.isEmpty()) {
            // Stable across runs: the same row content always gets the same id.
            l.id = QStringLiteral("h")
                + QString::fromLatin1(QCryptographicHash::hash(hashInput(), QCryptographicHash::Sha1).toHex().left(12));
            idColumn.clear();
        }

        if (l.industry.isEmpty()) {
            l.industry = m_benchmarks.inferSector(l.title, l.description);
            l.industryInferred = !l.industry.isEmpty();
        } else {
            l.industryInferred = row.industryInferred.value_or(false);
        }

        if (l.location.isEmpty() && l.city.isEmpty() && l.state.isEmpty())
            l.location = locationAfterTitle(l.title, l.description);
        if (!l.location.isEmpty() && (l.city.isEmpty() || l.state.isEmpty())) {
            const LocationParser::Parts parts = LocationParser::parse(l.location);
            if (l.city.isEmpty())
                l.city = parts.city;
            if (l.state.isEmpty())
                l.state = parts.state;
        } else if (l.location.isEmpty() && !(l.city.isEmpty() && l.state.isEmpty())) {
            l.location = l.city.isEmpty() ? l.state
                : l.state.isEmpty()       ? l.city
                                          : l.city + QStringLiteral(", ") + l.state;
        }

        // One hash lookup for the common case (a new id): operator[] default-constructs.
        FirstSeen &slot = m_firstSeen[l.id];
        if (slot.record < 0) {
            slot = FirstSeen { row.line, row.record };
        } else {
            const QString original = l.id;
            const FirstSeen first = slot;
            int n = 2;
            QString renamed;
            do {
                renamed = original + QLatin1Char('-') + QString::number(n++);
            } while (m_firstSeen.contains(renamed));
            const QString where = first.line > 0 ? QStringLiteral("line %1").arg(first.line)
                                                 : QStringLiteral("record %1").arg(first.record);
            warn(row, idColumn,
                QStringLiteral("duplicate id %1 (first on %2); renamed to %3")
                    .arg(quoted(original), where, quoted(renamed)));
            l.id = renamed;
            m_firstSeen.insert(l.id, FirstSeen { row.line, row.record });
        }
        result.listings.append(std::move(l));
        ++result.imported;
    }

private:
    const BenchmarkTable &m_benchmarks;
    const ListingImporter::Options &m_options;
    int m_currentYear;
    struct FirstSeen final
    {
        qsizetype line = -1;
        qsizetype record = -1; // -1: not seen yet
    };
    QHash<QString, FirstSeen> m_firstSeen;

public:
    void reserve(qsizetype rows)
    {
        m_firstSeen.reserve(rows);
        result.listings.reserve(rows);
    }
};

void importCsv(Session &s, const QByteArray &data)
{
    ImportResult &result = s.result;
    const QByteArrayView body = data.startsWith("\xEF\xBB\xBF") ? QByteArrayView(data).sliced(3) : QByteArrayView(data);
    // Excel writes a "sep=;" line in front of the header to name the delimiter.
    const bool sepLine = body.size() >= 5 && body.startsWith("sep=") && body[4] != '\n' && body[4] != '\r';
    const char delimiter = sepLine ? body[4] : CsvReader::sniffDelimiter(body);
    CsvReader reader(data, delimiter);
    CsvRecord header;
    if (sepLine)
        reader.next(header);
    if (!reader.next(header)) {
        result.fatalError = QStringLiteral("the file is empty: no header row");
        return;
    }
    QList<std::optional<ListingField>> mapping;
    QStringList names;
    QHash<ListingField, QString> used;
    bool hasTitle = false;
    bool anyField = false;
    for (const QString &raw : std::as_const(header.fields)) {
        const QString name = raw.trimmed();
        names.append(name);
        std::optional<ListingField> field = HeaderAliases::fieldFor(name);
        if (field) {
            if (used.contains(*field)) {
                s.diag(header.line, 0, name, Severity::Warning,
                    QStringLiteral("column %1 means the same as column %2 (%3); the first one is used")
                        .arg(quoted(name), quoted(used.value(*field)), HeaderAliases::canonicalName(*field)));
                field.reset();
            } else {
                used.insert(*field, name);
                anyField = true;
                hasTitle = hasTitle || *field == ListingField::Title;
            }
        }
        mapping.append(field);
    }
    if (!hasTitle) {
        result.fatalError = anyField
            ? QStringLiteral("line %1: the header has no title column (expected one of: title, name, business name, "
                             "headline); not a listings file")
                  .arg(header.line)
            : QStringLiteral("line %1: no known listing column in the header; not a listings CSV").arg(header.line);
        return;
    }
    if (header.unterminatedQuote) {
        result.fatalError = QStringLiteral("line %1: the header has an unterminated quote").arg(header.line);
        return;
    }

    const qsizetype columns = names.size();
    // Quoted line breaks make this an overestimate; the cap keeps a file of blank lines from
    // reserving memory for listings that never come (beyond it, containers grow as usual).
    s.reserve(std::min<qsizetype>(data.count('\n') + 1, 200'000));
    CsvRecord record;
    while (reader.next(record)) {
        ++result.rows;
        Session::Row row;
        row.line = record.line;
        row.record = result.rows;
        if (record.unterminatedQuote) {
            s.diag(record.line, row.record, QString(), Severity::Error,
                QStringLiteral("a quoted field opened in this row is never closed; lines %1–%2 were read as one "
                               "field; row rejected")
                    .arg(record.line)
                    .arg(reader.currentLine()));
            continue;
        }
        if (record.fields.size() != columns) {
            s.warn(row, QString(),
                record.fields.size() > columns
                    ? QStringLiteral("row has %1 cells, the header %2; extra cells ignored")
                          .arg(record.fields.size())
                          .arg(columns)
                    : QStringLiteral("row has %1 cells, the header %2; missing cells read as empty")
                          .arg(record.fields.size())
                          .arg(columns));
        }
        if (record.strayQuote)
            s.warn(row, QString(),
                QStringLiteral("malformed quoting (a quote inside an unquoted field or text after a closing quote); "
                               "read literally"));
        if (record.invalidUtf8)
            s.warn(row, QString(), QStringLiteral("invalid UTF-8 bytes replaced with U+FFFD"));
        if (record.hadNul)
            s.warn(row, QString(), QStringLiteral("NUL bytes removed"));
        const qsizetype n = std::min(columns, record.fields.size());
        for (qsizetype i = 0; i < n; ++i) {
            if (mapping[i])
                s.applyString(row, *mapping[i], record.fields[i], names[i]);
        }
        row.titleColumn = used.value(ListingField::Title);
        s.finish(row, [&] {
            QByteArray hashInput;
            for (qsizetype i = 0; i < n; ++i) {
                hashInput += record.fields[i].toUtf8();
                hashInput += '\x1f';
            }
            return hashInput;
        });
    }
}

struct JsonScan final
{
    qsizetype depth = 0; // the deepest nesting
    QList<QPair<qsizetype, qsizetype>> tooLarge; // (offset, length) of number literals beyond a double
};

// Whether a JSON number literal is beyond the range of a double (1e999); underflow (1e-999) reads
// as 0, as nlohmann does.
bool beyondDouble(const char *first, const char *last)
{
    double value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc::result_out_of_range)
        return false;
    // Out of range either way: too large when the decimal exponent is positive.
    const char *p = first + (*first == '-' ? 1 : 0);
    qsizetype integerDigits = 0;
    bool significant = false;
    for (; p < last && *p >= '0' && *p <= '9'; ++p) {
        significant = significant || *p != '0';
        integerDigits += significant ? 1 : 0;
    }
    // The exponent as far as it matters: far beyond any digit count either way (added to one,
    // an exponent near the limits of qint64 would overflow).
    constexpr qint64 kFar = 1'000'000'000;
    qint64 exponent = 0;
    const char *e = std::find_if(first, last, [](char c) { return c == 'e' || c == 'E'; });
    if (e != last && e + 1 < last) {
        const auto [expEnd, expError] = std::from_chars(e + 1 + (e[1] == '+' ? 1 : 0), last, exponent);
        if (expError == std::errc::result_out_of_range)
            exponent = e[1] == '-' ? -kFar : kFar;
        exponent = std::clamp(exponent, -kFar, kFar);
    }
    return integerDigits + exponent > 0;
}

// Listings nest three levels at most; the JSON library serializes and compares recursively, so
// hostile nesting is refused before parsing instead of overflowing the stack later. Number
// literals beyond a double are found on the way.
JsonScan scanJson(const QByteArray &data)
{
    JsonScan scan;
    qsizetype depth = 0;
    bool inString = false, escaped = false;
    const qsizetype n = data.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = data[i];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            scan.depth = std::max(scan.depth, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            qsizetype j = i + 1;
            bool exponentOrLong = false;
            while (j < n
                && ((data[j] >= '0' && data[j] <= '9') || data[j] == '.' || data[j] == 'e' || data[j] == 'E'
                    || data[j] == '+' || data[j] == '-')) {
                exponentOrLong = exponentOrLong || data[j] == 'e' || data[j] == 'E';
                ++j;
            }
            // Only a literal with an exponent or of many digits can be out of range.
            if ((exponentOrLong || j - i > 15) && beyondDouble(data.constData() + i, data.constData() + j))
                scan.tooLarge.append({ i, j - i });
            i = j - 1;
        }
    }
    return scan;
}

constexpr qsizetype kMaxJsonDepth = 64;

void importJson(Session &s, const QByteArray &original)
{
    ImportResult &result = s.result;
    const JsonScan scan = scanJson(original);
    if (scan.depth > kMaxJsonDepth) {
        result.fatalError = QStringLiteral("JSON nested %1 levels deep (more than %2); not a listings file")
                                .arg(scan.depth)
                                .arg(kMaxJsonDepth);
        return;
    }
    QByteArray data = original;
    // From the last to the first, so that the earlier offsets stay right.
    for (auto it = scan.tooLarge.crbegin(); it != scan.tooLarge.crend(); ++it)
        data.replace(it->first, it->second, QByteArray("\"\\ufdd0" + original.mid(it->first, it->second) + '"'));
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(data.cbegin(), data.cend());
    } catch (const nlohmann::json::exception &e) {
        result.fatalError = QStringLiteral("not valid JSON: ") + QString::fromUtf8(e.what());
        return;
    }
    const nlohmann::json *array = &doc;
    if (doc.is_object()) {
        const auto it = doc.find("listings");
        if (it == doc.end() || !it->is_array()) {
            result.fatalError = QStringLiteral(
                "JSON object without a \"listings\" array; expected an array of listings or {\"listings\": [...]}");
            return;
        }
        array = &*it;
    } else if (!doc.is_array()) {
        result.fatalError = QStringLiteral(
            "JSON %1 is not a list of listings; expected an array of listings or {\"listings\": [...]}")
                                .arg(QString::fromLatin1(doc.type_name()));
        return;
    }
    // Keys repeat in every object: map each distinct key once.
    struct KeyInfo final
    {
        std::optional<ListingField> field;
        QString name;
    };
    std::unordered_map<std::string, KeyInfo> fieldByKey;
    constexpr size_t kFields = static_cast<size_t>(ListingField::Source) + 1;
    for (const nlohmann::json &element : *array) {
        ++result.rows;
        Session::Row row;
        row.record = result.rows;
        if (!element.is_object()) {
            s.diag(0, row.record, QString(), Severity::Error,
                QStringLiteral("listing %1 is a JSON %2, not an object; rejected")
                    .arg(row.record)
                    .arg(QString::fromLatin1(element.type_name())));
            continue;
        }
        std::array<QString, kFields> used; // key that filled each field
        for (auto it = element.begin(); it != element.end(); ++it) {
            auto cached = fieldByKey.find(it.key());
            if (cached == fieldByKey.end()) {
                if (fieldByKey.size() > 10000) // hostile input with ever-new keys: stop caching
                    fieldByKey.clear();
                const QString name = QString::fromStdString(it.key());
                cached = fieldByKey.emplace(it.key(), KeyInfo { HeaderAliases::fieldFor(name), name }).first;
            }
            const KeyInfo info = cached->second;
            if (!info.field)
                continue;
            QString &slot = used[static_cast<size_t>(*info.field)];
            // Objects are read in key order, so "first" is the alphabetically first key.
            if (!slot.isNull()) {
                s.warn(row, info.name,
                    QStringLiteral("key %1 means the same as key %2, which is used")
                        .arg(quoted(info.name), quoted(slot)));
                continue;
            }
            slot = info.name;
            s.applyJson(row, *info.field, it.value(), info.name);
        }
        const QString &titleKey = used[static_cast<size_t>(ListingField::Title)];
        row.titleColumn = titleKey.isNull() ? QStringLiteral("title") : titleKey;
        s.finish(row, [&] { return QByteArray::fromStdString(element.dump()); });
    }
}

} // namespace

ListingImporter::ListingImporter(std::shared_ptr<const BenchmarkTable> benchmarks)
    : ListingImporter(std::move(benchmarks), Options())
{ }

ListingImporter::ListingImporter(std::shared_ptr<const BenchmarkTable> benchmarks, Options options)
    : m_benchmarks(std::move(benchmarks))
    , m_options(options)
{
    if (!m_benchmarks)
        throw std::invalid_argument("ListingImporter needs a benchmark table");
}

std::optional<ListingImporter::Format> ListingImporter::formatFromName(QStringView name)
{
    if (name.compare(QLatin1String("csv"), Qt::CaseInsensitive) == 0)
        return Format::Csv;
    if (name.compare(QLatin1String("json"), Qt::CaseInsensitive) == 0)
        return Format::Json;
    if (name.compare(QLatin1String("auto"), Qt::CaseInsensitive) == 0)
        return Format::Auto;
    return std::nullopt;
}

QString ListingImporter::idFromUrl(QStringView url)
{
    QStringView path = url.trimmed();
    if (const qsizetype cut = path.indexOf(QLatin1Char('?')); cut >= 0)
        path = path.left(cut);
    if (const qsizetype cut = path.indexOf(QLatin1Char('#')); cut >= 0)
        path = path.left(cut);
    // Skip "scheme://host" so that a numeric host or port is never taken for an id.
    if (const qsizetype scheme = path.indexOf(QLatin1String("://")); scheme >= 0) {
        const qsizetype slash = path.indexOf(QLatin1Char('/'), scheme + 3);
        path = slash >= 0 ? path.mid(slash) : QStringView();
    }
    qsizetype end = path.size();
    while (end > 0) {
        qsizetype start = path.lastIndexOf(QLatin1Char('/'), end - 1);
        const QStringView segment = path.mid(start + 1, end - start - 1);
        bool digits = !segment.isEmpty() && segment.size() <= 30;
        for (const QChar c : segment)
            digits = digits && c.unicode() >= '0' && c.unicode() <= '9';
        if (digits)
            return segment.toString();
        if (start < 0)
            break;
        end = start;
    }
    return {};
}

ImportResult ListingImporter::importFile(const QString &path, Format format) const
{
    const QFileInfo info(path);
    ImportResult result;
    if (!info.exists()) {
        result.fatalError = QStringLiteral("file not found: ") + path;
        return result;
    }
    if (info.isDir()) {
        result.fatalError = QStringLiteral("is a directory, not a file: ") + path;
        return result;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.fatalError = QStringLiteral("cannot open %1: %2").arg(path, file.errorString());
        return result;
    }
    if (file.size() > m_options.maxFileBytes) {
        result.fatalError = QStringLiteral("%1 is %2 bytes; the import limit is %3 bytes")
                                .arg(path)
                                .arg(file.size())
                                .arg(m_options.maxFileBytes);
        return result;
    }
    const QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        result.fatalError = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return result;
    }
    return importData(data, format);
}

ImportResult ListingImporter::importData(const QByteArray &data, Format format) const
{
    QElapsedTimer timer;
    timer.start();
    Session session(*m_benchmarks, m_options);
    ImportResult &result = session.result;

    qsizetype first = data.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    while (first < data.size()
        && (data[first] == ' ' || data[first] == '\t' || data[first] == '\r' || data[first] == '\n'))
        ++first;
    if (first >= data.size()) {
        result.fatalError = QStringLiteral("the file is empty");
        return result;
    }
    if (looksBinary(data)) {
        result.fatalError
            = QStringLiteral("the file looks binary (control bytes; UTF-16 is not supported): not CSV or JSON");
        return result;
    }
    if (format == Format::Auto)
        format = (data[first] == '[' || data[first] == '{') ? Format::Json : Format::Csv;
    if (format == Format::Json) {
        result.format = QStringLiteral("json");
        importJson(session, data);
    } else {
        result.format = QStringLiteral("csv");
        if (looksWindows1252(data)) {
            // Spreadsheet exports on Windows: no UTF-8 sequence anywhere, but bytes above 0x7F.
            session.diag(0, 0, QString(), Severity::Warning,
                QStringLiteral("the file is not UTF-8; read as Windows-1252 (Latin-1)"));
            importCsv(session, windows1252ToUtf8(data));
        } else {
            importCsv(session, data);
        }
    }
    if (!result.ok()) {
        // A file that is not listings has no rows worth reporting.
        result.listings.clear();
        result.imported = 0;
    }
    qCDebug(lcImport) << "imported" << result.imported << "of" << result.rows << "rows with" << result.warnings
                      << "warnings and" << result.errors << "errors in" << timer.elapsed() << "ms";
    return result;
}

} // namespace dealscope
