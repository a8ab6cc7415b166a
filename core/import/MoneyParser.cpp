#include "import/MoneyParser.h"

namespace dealscope {

namespace {

constexpr qint64 kMaxAmount = 1'000'000'000'000'000; // 10^15: beyond any business for sale

bool equalsAny(QStringView s, std::initializer_list<const char *> words)
{
    for (const char *w : words)
        if (s.compare(QLatin1String(w), Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

MoneyParser::Result invalid(QStringView original, const char *why)
{
    MoneyParser::Result r;
    r.status = MoneyParser::Status::Invalid;
    QString shown = original.left(40).toString();
    if (original.size() > 40)
        shown += QStringLiteral("…");
    r.problem = QString::fromLatin1(why) + QStringLiteral(": '") + shown + QLatin1Char('\'');
    return r;
}

} // namespace

bool MoneyParser::isMissingToken(QStringView text)
{
    const QStringView s = text.trimmed();
    if (s.isEmpty())
        return true;
    // Cheap rejection of ordinary text and numbers: every token is short and starts with one of
    // these characters.
    const char16_t first = s.front().toLower().unicode();
    if (s.size() > 23
        || !(first == u'n' || first == u'u' || first == u't' || first == u'a' || first == u'c' || first == u'r'
            || first == u'-' || first == 0x2013 || first == 0x2014))
        return false;
    return (s.size() == 1 && (s[0].unicode() == 0x2013 || s[0].unicode() == 0x2014)) // en/em dash
        || equalsAny(s,
            { "n/a", "na", "n.a.", "-", "--", "not disclosed", "undisclosed", "none", "null", "unknown", "tbd",
                "not available", "not applicable", "ask", "call", "contact broker", "request", "upon request",
                "available upon request", "confidential", "nan" });
}

MoneyParser::Result MoneyParser::parse(QStringView text)
{
    const QStringView original = text;
    QStringView s = text.trimmed();
    Result r;
    if (s.isEmpty())
        return r;
    // Most cells are amounts; only words need the token checks below.
    const QChar lead = s.front();
    const bool wordLike = !(lead == QLatin1Char('$') || (lead.isDigit() && lead.unicode() < 128));
    if (wordLike && isMissingToken(s))
        return r;
    if (wordLike && s.startsWith(QLatin1String("not included"), Qt::CaseInsensitive)) {
        r.status = Status::NotIncluded;
        return r;
    }
    if (wordLike && s.startsWith(QLatin1String("included"), Qt::CaseInsensitive)) {
        r.status = Status::Included;
        return r;
    }

    bool negative = false;
    if (s.startsWith(QLatin1Char('(')) && s.endsWith(QLatin1Char(')'))) { // accounting negative
        negative = true;
        s = s.mid(1, s.size() - 2).trimmed();
    }
    // Footnote markers and "or best offer" plus signs carry no amount.
    while (!s.isEmpty() && (s.endsWith(QLatin1Char('*')) || s.endsWith(QLatin1Char('+'))))
        s.chop(1);
    s = s.trimmed();
    if (s.startsWith(QLatin1Char('-')) || s.startsWith(QChar(0x2212))) {
        negative = true;
        s = s.mid(1).trimmed();
    }
    if (s.startsWith(QLatin1String("US$"), Qt::CaseInsensitive))
        s = s.mid(3);
    else if (s.startsWith(QLatin1String("USD"), Qt::CaseInsensitive))
        s = s.mid(3);
    else if (s.startsWith(QLatin1Char('$')))
        s = s.mid(1);
    s = s.trimmed();
    if (s.startsWith(QLatin1Char('-'))) {
        negative = true;
        s = s.mid(1).trimmed();
    }
    if (s.endsWith(QLatin1String("USD"), Qt::CaseInsensitive))
        s = s.chopped(3).trimmed();

    // Digits with thousands separators and an optional fraction.
    qint64 whole = 0;
    qint64 fraction = 0; // digits after the point, as an integer
    qint64 fractionScale = 1; // 10^number of fraction digits (at most 9 kept)
    qsizetype i = 0;
    bool anyDigit = false;
    bool inFraction = false;
    for (; i < s.size(); ++i) {
        const QChar c = s[i];
        if (c.isDigit() && c.unicode() < 128) {
            anyDigit = true;
            const int d = c.unicode() - '0';
            if (inFraction) {
                if (fractionScale < 1'000'000'000) {
                    fraction = fraction * 10 + d;
                    fractionScale *= 10;
                }
            } else {
                if (whole > kMaxAmount)
                    return invalid(original, "amount too large");
                whole = whole * 10 + d;
            }
        } else if (c == QLatin1Char(',') && !inFraction) {
            continue;
        } else if (c == QLatin1Char('.') && !inFraction) {
            inFraction = true;
        } else {
            break;
        }
    }
    if (!anyDigit)
        return invalid(original, "not a money amount");

    QStringView suffix = s.mid(i).trimmed();
    qint64 multiplier = 1;
    if (suffix.isEmpty()) {
    } else if (equalsAny(suffix, { "k", "thousand", "th" })) {
        multiplier = 1'000;
    } else if (equalsAny(suffix, { "m", "mm", "mil", "mill", "million", "millions" })) {
        multiplier = 1'000'000;
    } else if (equalsAny(suffix, { "b", "bn", "billion" })) {
        multiplier = 1'000'000'000;
    } else {
        return invalid(original, "not a money amount");
    }
    if (negative)
        return invalid(original, "negative amount");

    // whole × multiplier + round(fraction / fractionScale × multiplier), without floating point.
    if (whole > kMaxAmount / multiplier)
        return invalid(original, "amount too large");
    // fraction < 10^9 and multiplier <= 10^9, so 2 × fraction × multiplier < 2 × 10^18 fits.
    const qint64 fractionUnits = (fraction * multiplier * 2 + fractionScale) / (2 * fractionScale);
    const qint64 amount = whole * multiplier + fractionUnits;
    if (amount > kMaxAmount)
        return invalid(original, "amount too large");
    r.status = Status::Value;
    r.value = amount;
    return r;
}

} // namespace dealscope
