#include "export/SafeFileName.h"

#include <QRegularExpression>
#include <QStringList>

using namespace Qt::Literals::StringLiterals;

namespace dealscope::SafeFileName {

namespace {
constexpr qsizetype kMaxBase = 100;

bool isReservedDeviceName(const QString &name)
{
    static const QRegularExpression reserved(
        u"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\\..*)?$"_s, QRegularExpression::CaseInsensitiveOption);
    return reserved.match(name).hasMatch();
}
} // namespace

QString make(const QString &base, const QString &extension, const QString &fallback)
{
    QString out;
    out.reserve(base.size());
    for (qsizetype i = 0; i < base.size(); ++i) {
        const QChar c = base.at(i);
        // Whole code points: an emoji is two UTF-16 units, a lone half is garbage.
        if (c.isHighSurrogate() && i + 1 < base.size() && base.at(i + 1).isLowSurrogate()) {
            const char32_t ucs4 = QChar::surrogateToUcs4(c, base.at(i + 1));
            const auto category = QChar::category(ucs4);
            if (category == QChar::Other_NotAssigned || category == QChar::Other_PrivateUse) {
                out += u'-';
            } else {
                out += c;
                out += base.at(i + 1);
            }
            ++i;
            continue;
        }
        const bool bad = c.category() == QChar::Other_Control || c.category() == QChar::Other_Format
            || c.category() == QChar::Other_Surrogate || c.category() == QChar::Other_NotAssigned
            || QStringView(u"/\\:*?\"<>|").contains(c);
        out += bad || c.isSpace() ? u'-' : c;
    }
    // Runs of '-' from spaces and replacements read as one; no leading dots (hidden, "..").
    static const QRegularExpression dashes(u"-{2,}"_s);
    out.replace(dashes, u"-"_s);
    while (out.startsWith(u'.') || out.startsWith(u'-'))
        out.remove(0, 1);
    if (out.size() > kMaxBase)
        out.truncate(kMaxBase);
    if (!out.isEmpty() && out.back().isHighSurrogate())
        out.chop(1); // never half a character
    while (out.endsWith(u'.') || out.endsWith(u'-') || out.endsWith(u' '))
        out.chop(1);
    if (out.isEmpty())
        out = fallback;
    if (isReservedDeviceName(out))
        out += u"-file"_s;
    QString ext = extension;
    while (ext.startsWith(u'.'))
        ext.remove(0, 1);
    return ext.isEmpty() ? out : out + u'.' + ext;
}

QString forResult(const QString &title, const QString &analysisType, const QString &extension)
{
    const QString base = title.trimmed().isEmpty() ? analysisType : title.trimmed() + u'_' + analysisType;
    return make(base, extension, u"dealscope-result"_s);
}

} // namespace dealscope::SafeFileName
