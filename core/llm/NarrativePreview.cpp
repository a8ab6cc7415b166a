#include "llm/NarrativePreview.h"

#include <QList>

namespace dealscope::llm {

namespace {

// Values of these keys are identifiers, not prose: never shown.
bool isIdentifierKey(const QString &key)
{
    return key == QLatin1String("code") || key == QLatin1String("severity");
}

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

struct Container
{
    bool object = false;
    bool expectKey = false; // objects: the next string is a key
    QString key; // objects: the current member; arrays: the member the array is under
};

} // namespace

QString NarrativePreview::text(const QString &reply)
{
    const qsizetype start = reply.indexOf(QLatin1Char('{'));
    if (start < 0)
        return {};
    QList<Container> stack;
    QString last; // the latest prose value, finished or still being written
    const qsizetype n = reply.size();
    for (qsizetype i = start; i < n; ++i) {
        const QChar c = reply.at(i);
        if (c == QLatin1Char('{') || c == QLatin1Char('[')) {
            Container inner;
            inner.object = c == QLatin1Char('{');
            inner.expectKey = inner.object;
            if (!stack.isEmpty())
                inner.key = stack.last().key;
            stack.append(inner);
        } else if (c == QLatin1Char('}') || c == QLatin1Char(']')) {
            if (!stack.isEmpty())
                stack.removeLast();
            if (stack.isEmpty())
                break; // the object is complete: what follows is not the reply
        } else if (c == QLatin1Char(',')) {
            if (!stack.isEmpty() && stack.last().object)
                stack.last().expectKey = true;
        } else if (c == QLatin1Char('"')) {
            QString value;
            qsizetype j = i + 1;
            bool closed = false;
            while (j < n) {
                const QChar d = reply.at(j);
                if (d == QLatin1Char('"')) {
                    closed = true;
                    break;
                }
                if (d != QLatin1Char('\\')) {
                    value += d;
                    ++j;
                    continue;
                }
                if (j + 1 >= n)
                    break; // a cut escape: the rest has not arrived yet
                const QChar e = reply.at(j + 1);
                j += 2;
                switch (e.unicode()) {
                case u'n':
                case u'r':
                case u't':
                    value += QLatin1Char(' ');
                    break;
                case u'b':
                case u'f':
                    break;
                case u'u': {
                    if (j + 4 > n) {
                        j = n;
                        break;
                    }
                    int code = 0;
                    for (int k = 0; k < 4 && code >= 0; ++k) {
                        const int h = hexValue(reply.at(j + k));
                        code = h < 0 ? -1 : code * 16 + h;
                    }
                    j += 4;
                    if (code > 0)
                        value += QChar(char16_t(code)); // surrogate halves pair up in the QString
                    break;
                }
                default:
                    value += e; // \" \\ \/
                }
            }
            Container *top = stack.isEmpty() ? nullptr : &stack.last();
            if (top && top->object && top->expectKey) {
                top->key = value;
                top->expectKey = false;
            } else if (!top || !isIdentifierKey(top->key)) {
                if (!value.trimmed().isEmpty())
                    last = value;
            }
            if (!closed)
                break;
            i = j;
        }
    }
    return last.simplified();
}

QString NarrativePreview::line(const QString &model, const QString &reply, qint64 tokens, qsizetype maxChars)
{
    const QString shown = text(reply);
    if (shown.isEmpty())
        return QStringLiteral("Writing narrative (%1)… %2 %3")
            .arg(model)
            .arg(tokens)
            .arg(tokens == 1 ? QStringLiteral("token") : QStringLiteral("tokens"));
    const QString tail = shown.size() <= maxChars ? shown : QStringLiteral("…") + shown.right(maxChars);
    return QStringLiteral("Writing narrative (%1): %2").arg(model, tail);
}

} // namespace dealscope::llm
