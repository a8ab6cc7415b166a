#include "app/EnglishPlurals.h"

#include <QCoreApplication>
#include <QHash>

using namespace Qt::Literals::StringLiterals;

namespace dealscope {

namespace {

// Texts whose singular is not the plural minus an "(s)": source text → its singular.
const QHash<QString, QString> &singulars()
{
    static const QHash<QString, QString> table {
        { u"Resumed %n analyses"_s, u"Resumed %n analysis"_s },
        { u"Resumed %n local analyses."_s, u"Resumed %n local analysis."_s },
        { u"Resumed %n analyses on job servers."_s, u"Resumed %n analysis on a job server."_s },
        { u"%n on job servers"_s, u"%n on a job server"_s },
        { u"%n analyses on job servers cannot be resumed yet (%1): they stay in flight for the next start."_s,
            u"%n analysis on a job server cannot be resumed yet (%1): it stays in flight for the next start."_s },
        { u"%n analyses"_s, u"%n analysis"_s },
        { u"%n analyses queued"_s, u"%n analysis queued"_s },
        { u"Analyze %n shown listings"_s, u"Analyze %n shown listing"_s },
        { u"%n results"_s, u"%n result"_s },
        { u"Exported %n results to %1."_s, u"Exported %n result to %1."_s },
    };
    return table;
}

} // namespace

void EnglishPlurals::install()
{
    static bool installed = false;
    if (installed || !QCoreApplication::instance())
        return;
    installed = true;
    QCoreApplication::installTranslator(new EnglishPlurals(QCoreApplication::instance()));
}

QString EnglishPlurals::translate(const char *, const char *sourceText, const char *, int n) const
{
    if (n < 0 || !sourceText)
        return {};
    const QString source = QString::fromUtf8(sourceText);
    if (!source.contains(u"%n"_s))
        return {};
    if (n == 1) {
        if (const auto it = singulars().constFind(source); it != singulars().constEnd())
            return *it;
    }
    if (!source.contains(u"(s)"_s))
        return {}; // the source text itself (written in the plural)
    QString out = source;
    return out.replace(u"(s)"_s, n == 1 ? QString() : u"s"_s);
}

} // namespace dealscope
