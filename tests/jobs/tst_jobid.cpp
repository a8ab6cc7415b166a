#include "jobs/JobId.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace dealscope;

class TestJobId final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void format()
    {
        const QRegularExpression re(QStringLiteral("^[_\\-0-9a-zA-Z]{21}$"));
        for (int i = 0; i < 1000; ++i) {
            const QString id = generateJobId();
            QVERIFY2(re.match(id).hasMatch(), qPrintable(id));
            QVERIFY(isValidJobId(id));
        }
    }

    void unique()
    {
        QSet<QString> seen;
        for (int i = 0; i < 100000; ++i)
            seen.insert(generateJobId());
        QCOMPARE(seen.size(), 100000);
    }

    void usesWholeAlphabet()
    {
        // 64 symbols drawn uniformly: 20k ids (420k symbols) hit every one of them.
        QSet<QChar> symbols;
        for (int i = 0; i < 20000; ++i) {
            for (QChar c : generateJobId())
                symbols.insert(c);
        }
        QCOMPARE(symbols.size(), 64);
    }

    void everyPositionUsesWholeAlphabet()
    {
        // Each of the 21 symbols carries 6 random bits of its own (the ids hold 126 bits): a
        // position fed fewer bits, or the same bits as another, would miss symbols or repeat.
        QList<QSet<QChar>> perPosition(21);
        int samePair = 0;
        for (int i = 0; i < 20000; ++i) {
            const QString id = generateJobId();
            for (int p = 0; p < 21; ++p)
                perPosition[p].insert(id[p]);
            samePair += id[0] == id[10] ? 1 : 0;
        }
        for (int p = 0; p < 21; ++p)
            QVERIFY2(perPosition[p].size() == 64,
                qPrintable(QStringLiteral("position %1: %2 symbols").arg(p).arg(perPosition[p].size())));
        QVERIFY2(samePair < 20000 / 64 * 2, qPrintable(QString::number(samePair))); // independent: ~1 in 64
    }

    void validation()
    {
        QVERIFY(isValidJobId(u"V1StGXR8_Z5jdHi6B-myT"));
        QVERIFY(!isValidJobId(u""));
        QVERIFY(!isValidJobId(u"V1StGXR8_Z5jdHi6B-my")); // 20
        QVERIFY(!isValidJobId(u"V1StGXR8_Z5jdHi6B-myTT")); // 22
        QVERIFY(!isValidJobId(u"V1StGXR8_Z5jdHi6B-my/"));
        QVERIFY(!isValidJobId(u"V1StGXR8_Z5jdHi6B-my "));
        QVERIFY(!isValidJobId(u"V1StGXR8_Z5jdHi6B-myé"));
        QVERIFY(!isValidJobId(u"../../../../etc/passwd"));
    }
};

QTEST_GUILESS_MAIN(TestJobId)
#include "tst_jobid.moc"
