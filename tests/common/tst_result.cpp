// Result<T>: the value or the error, never both, and the error's code and message as given.

#include "common/Result.h"

#include <QTest>

#include <variant>

using namespace dealscope;
using namespace Qt::Literals::StringLiterals;

namespace {

Result<int> parsePositive(const QString &text)
{
    bool ok = false;
    const int n = text.toInt(&ok);
    if (!ok)
        return Error { u"not_a_number"_s, u"\"%1\" is not a number"_s.arg(text) };
    if (n <= 0)
        return Error { u"out_of_range"_s, u"%1 is not positive"_s.arg(n) };
    return n;
}

Result<void> requireNonEmpty(const QString &text)
{
    if (text.isEmpty())
        return Error { u"empty"_s, u"nothing given"_s };
    return {};
}

} // namespace

class TestResult final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valueWhenOk()
    {
        const auto r = parsePositive(u"42"_s);
        QVERIFY(r.ok());
        QVERIFY(bool(r));
        QCOMPARE(r.value(), 42);
        QCOMPARE(*r, 42);
        QCOMPARE(r.valueOr(7), 42);
        QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, (void)r.error());
    }

    void errorWhenNot()
    {
        const auto r = parsePositive(u"-3"_s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"out_of_range"_s);
        QCOMPARE(r.error().message, u"-3 is not positive"_s);
        QCOMPARE(r.valueOr(7), 7);
        QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, (void)r.value());

        const auto garbage = parsePositive(u"12abc"_s);
        QCOMPARE(garbage.error(), (Error { u"not_a_number"_s, u"\"12abc\" is not a number"_s }));
    }

    void movesItsValueOut()
    {
        Result<QStringList> r(QStringList { u"a"_s, u"b"_s });
        const QStringList taken = std::move(r).value();
        QCOMPARE(taken, (QStringList { u"a"_s, u"b"_s }));
    }

    void voidResult()
    {
        QVERIFY(requireNonEmpty(u"x"_s).ok());
        const auto r = requireNonEmpty({});
        QVERIFY(!r);
        QCOMPARE(r.error().code, u"empty"_s);
    }
};

QTEST_GUILESS_MAIN(TestResult)
#include "tst_result.moc"
