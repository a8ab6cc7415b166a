#include "import/LocationParser.h"

#include <QHash>
#include <QRegularExpression>

namespace dealscope {

namespace {

const QHash<QString, QString> &stateTable()
{
    static const QHash<QString, QString> table = [] {
        static const char *const pairs[][2] = {
            { "AL", "Alabama" },
            { "AK", "Alaska" },
            { "AZ", "Arizona" },
            { "AR", "Arkansas" },
            { "CA", "California" },
            { "CO", "Colorado" },
            { "CT", "Connecticut" },
            { "DE", "Delaware" },
            { "DC", "District of Columbia" },
            { "FL", "Florida" },
            { "GA", "Georgia" },
            { "HI", "Hawaii" },
            { "ID", "Idaho" },
            { "IL", "Illinois" },
            { "IN", "Indiana" },
            { "IA", "Iowa" },
            { "KS", "Kansas" },
            { "KY", "Kentucky" },
            { "LA", "Louisiana" },
            { "ME", "Maine" },
            { "MD", "Maryland" },
            { "MA", "Massachusetts" },
            { "MI", "Michigan" },
            { "MN", "Minnesota" },
            { "MS", "Mississippi" },
            { "MO", "Missouri" },
            { "MT", "Montana" },
            { "NE", "Nebraska" },
            { "NV", "Nevada" },
            { "NH", "New Hampshire" },
            { "NJ", "New Jersey" },
            { "NM", "New Mexico" },
            { "NY", "New York" },
            { "NC", "North Carolina" },
            { "ND", "North Dakota" },
            { "OH", "Ohio" },
            { "OK", "Oklahoma" },
            { "OR", "Oregon" },
            { "PA", "Pennsylvania" },
            { "RI", "Rhode Island" },
            { "SC", "South Carolina" },
            { "SD", "South Dakota" },
            { "TN", "Tennessee" },
            { "TX", "Texas" },
            { "UT", "Utah" },
            { "VT", "Vermont" },
            { "VA", "Virginia" },
            { "WA", "Washington" },
            { "WV", "West Virginia" },
            { "WI", "Wisconsin" },
            { "WY", "Wyoming" },
            { "PR", "Puerto Rico" },
            { "VI", "Virgin Islands" },
            { "GU", "Guam" },
            { "AB", "Alberta" },
            { "BC", "British Columbia" },
            { "MB", "Manitoba" },
            { "NB", "New Brunswick" },
            { "NL", "Newfoundland and Labrador" },
            { "NS", "Nova Scotia" },
            { "ON", "Ontario" },
            { "PE", "Prince Edward Island" },
            { "QC", "Quebec" },
            { "SK", "Saskatchewan" },
        };
        QHash<QString, QString> t;
        for (const auto &p : pairs) {
            const QString code = QString::fromLatin1(p[0]);
            t.insert(code.toLower(), code);
            t.insert(QString::fromLatin1(p[1]).toLower(), code);
        }
        t.insert(QStringLiteral("washington dc"), QStringLiteral("DC"));
        t.insert(QStringLiteral("washington d.c."), QStringLiteral("DC"));
        t.insert(QStringLiteral("d.c."), QStringLiteral("DC"));
        t.insert(QStringLiteral("ontario canada"), QStringLiteral("ON"));
        return t;
    }();
    return table;
}

} // namespace

QString LocationParser::stateCode(QStringView text)
{
    // Fast path for the usual two-letter code.
    if (text.size() == 2 && text[0].unicode() < 128 && text[1].unicode() < 128) {
        const char16_t key[2] = { text[0].toLower().unicode(), text[1].toLower().unicode() };
        return stateTable().value(QString(reinterpret_cast<const QChar *>(key), 2));
    }
    return stateTable().value(text.toString().simplified().toLower());
}

LocationParser::Parts LocationParser::parse(QStringView location)
{
    static const QRegularExpression parenthetical(QStringLiteral("\\([^)]*\\)"));
    static const QRegularExpression zip(QStringLiteral("\\s+\\d{5}(?:-\\d{4})?$"));
    Parts parts;
    QString text = location.toString();
    if (text.contains(QLatin1Char('(')))
        text.remove(parenthetical);
    text = text.trimmed();
    if (!text.isEmpty() && text.back().isDigit())
        text.remove(zip);
    if (text.isEmpty())
        return parts;

    const qsizetype comma = text.lastIndexOf(QLatin1Char(','));
    if (comma >= 0) {
        const QString code = stateCode(QStringView(text).mid(comma + 1));
        if (!code.isEmpty()) {
            parts.state = code;
            const QString city = text.left(comma).trimmed();
            // "Seminole County" or "Greater Tampa Area" is a region, not a city.
            bool region = city.contains(QLatin1Char(','));
            for (const char *r : { "county", "area", "region", "metro" }) {
                const QLatin1String word(r);
                for (qsizetype at = city.indexOf(word, 0, Qt::CaseInsensitive); !region && at >= 0;
                     at = city.indexOf(word, at + 1, Qt::CaseInsensitive)) {
                    const qsizetype end = at + word.size();
                    region = (at == 0 || !city[at - 1].isLetter()) && (end == city.size() || !city[end].isLetter());
                }
            }
            if (!region)
                parts.city = city;
        }
        return parts;
    }
    parts.state = stateCode(text);
    if (!parts.state.isEmpty())
        return parts;
    // "Miami FL": a trailing upper-case two-letter code.
    static const QRegularExpression trailingCode(QStringLiteral("^(.+?)\\s+([A-Z]{2})$"));
    if (const auto m = trailingCode.match(text); m.hasMatch()) {
        parts.state = stateCode(m.captured(2));
        if (!parts.state.isEmpty())
            parts.city = m.captured(1).trimmed();
    }
    return parts;
}

} // namespace dealscope
