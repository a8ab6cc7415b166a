#include "export/Format.h"

#include <QDateTime>
#include <QLocale>

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {
const QString kDash = u"—"_s;

QLocale englishLocale()
{
    // Fixed grouping so figures look the same on every machine and in the tests.
    static const QLocale l(QLocale::English, QLocale::UnitedStates);
    return l;
}
} // namespace

QString formatMoney(std::optional<qint64> value)
{
    if (!value)
        return kDash;
    const QString digits = englishLocale().toString(qAbs(*value));
    return *value < 0 ? u"-$"_s + digits : u"$"_s + digits;
}

QString formatMoney(double value)
{
    if (!std::isfinite(value))
        return kDash;
    return formatMoney(std::optional<qint64>(qint64(std::llround(value))));
}

QString formatMultiple(double value)
{
    if (!std::isfinite(value))
        return kDash;
    return QString::number(value, 'f', 2) + u"×"_s;
}

QString formatPercent(double fraction)
{
    if (!std::isfinite(fraction))
        return kDash;
    return QString::number(fraction * 100.0, 'f', 1) + u" %"_s;
}

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        return kDash;
    if (ms < 60'000)
        return QString::number(double(ms) / 1000.0, 'f', 1) + u" s"_s;
    const qint64 s = ms / 1000;
    if (s < 3600)
        return u"%1 min %2 s"_s.arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return u"%1 h %2 min"_s.arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString formatTimestamp(qint64 msSinceEpoch)
{
    if (msSinceEpoch <= 0)
        return kDash;
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(u"yyyy-MM-dd HH:mm:ss"_s);
}

QString analysisTypeLabel(const QString &type)
{
    if (type == u"business_analysis"_s)
        return QObject::tr("Business analysis");
    if (type == u"valuation"_s)
        return QObject::tr("Valuation");
    if (type == u"risk_assessment"_s)
        return QObject::tr("Risk assessment");
    if (type == u"market_intelligence"_s)
        return QObject::tr("Market intelligence");
    return type;
}

QString humanizeKey(const QString &key)
{
    static const QHash<QString, QString> known = {
        { u"sdeMultiple"_s, u"SDE multiple"_s },
        { u"dscr"_s, u"DSCR"_s },
        { u"maxPriceAtTargetDscr"_s, u"Max price at target DSCR"_s },
        { u"ebitda"_s, u"EBITDA"_s },
        { u"ffe"_s, u"FF&E"_s },
        { u"sdeMethodValue"_s, u"SDE-method value"_s },
    };
    if (const auto it = known.constFind(key); it != known.constEnd())
        return *it;
    QString out;
    for (qsizetype i = 0; i < key.size(); ++i) {
        const QChar c = key.at(i);
        if (c == u'_') {
            out += u' ';
        } else if (c.isUpper() && i > 0) {
            out += u' ';
            out += c.toLower();
        } else {
            out += i == 0 ? c.toUpper() : c;
        }
    }
    out.replace(u"sde"_s, u"SDE"_s).replace(u"dscr"_s, u"DSCR"_s).replace(u"ebitda"_s, u"EBITDA"_s);
    return out;
}

QString formatMetric(const QString &key, const nlohmann::json &value)
{
    if (value.is_null())
        return kDash;
    if (value.is_boolean())
        return value.get<bool>() ? QObject::tr("yes") : QObject::tr("no");
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    if (!value.is_number())
        return QString::fromStdString(value.dump());
    const double v = value.get<double>();
    const QString k = key.toLower();
    if (k.contains(u"percentile"_s))
        return QString::number(v, 'f', 0) + u" / 100"_s;
    if (k.contains(u"multiple"_s))
        return formatMultiple(v);
    if (k.contains(u"price"_s))
        return formatMoney(v); // before the DSCR rule: "maxPriceAtTargetDscr" is a price
    if (k == u"dscr"_s || k.endsWith(u"dscr"_s))
        return QString::number(v, 'f', 2);
    if (k.contains(u"margin"_s) || k.contains(u"pct"_s) || k.contains(u"rate"_s) || k.contains(u"premium"_s)
        || k.contains(u"growth"_s))
        return formatPercent(v);
    if (k.contains(u"years"_s) || k.contains(u"age"_s))
        return QString::number(v, 'f', 1) + u" years"_s;
    if (k == u"score"_s || k.contains(u"count"_s) || k.contains(u"size"_s) || k.contains(u"employees"_s)
        || k.contains(u"year"_s))
        return QString::number(v, 'g', 10);
    // Everything else the engine reports is money (prices, values, cash flows, debt service).
    return formatMoney(v);
}

QColor severityColor(const QPalette &palette, const QString &severity)
{
    // Keep the hue fixed and take the lightness from the text colour, so the colour contrasts with
    // the base the way the text does — dark text on light themes, light text on dark ones.
    const bool darkTheme = palette.color(QPalette::Base).lightnessF() < 0.5;
    int hue = -1;
    if (severity == u"critical"_s)
        hue = 0;
    else if (severity == u"warning"_s)
        hue = 35;
    else if (severity == u"info"_s)
        hue = 210;
    if (hue < 0)
        return palette.color(QPalette::Text);
    return QColor::fromHslF(float(hue) / 360.0f, 0.75f, darkTheme ? 0.70f : 0.38f);
}

} // namespace dealscope
