#include "common/CsvReader.h"

#include <QTest>

using namespace dealscope;

namespace {

QList<CsvRecord> readAll(const QByteArray &data, char delimiter = ',')
{
    CsvReader reader(data, delimiter);
    QList<CsvRecord> out;
    CsvRecord r;
    while (reader.next(r))
        out.append(r);
    return out;
}

QStringList S(std::initializer_list<const char *> items)
{
    QStringList l;
    for (const char *i : items)
        l.append(QString::fromUtf8(i));
    return l;
}

} // namespace

class TestCsvReader final : public QObject
{
    Q_OBJECT

private slots:
    void simpleRecords()
    {
        const auto records = readAll("a,b,c\n1,2,3\n");
        QCOMPARE(records.size(), 2);
        QCOMPARE(records[0].fields, S({ "a", "b", "c" }));
        QCOMPARE(records[1].fields, S({ "1", "2", "3" }));
        QCOMPARE(records[0].line, 1);
        QCOMPARE(records[1].line, 2);
    }

    void noTrailingNewline()
    {
        const auto records = readAll("a,b\n1,2");
        QCOMPARE(records.size(), 2);
        QCOMPARE(records[1].fields, S({ "1", "2" }));
    }

    void quotedFieldsWithCommasQuotesAndNewlines()
    {
        const QByteArray data = "title,desc\n"
                                "\"Design, Fabrication\",\"He said \"\"hi\"\"\nand left\"\n"
                                "next,row\n";
        const auto records = readAll(data);
        QCOMPARE(records.size(), 3);
        QCOMPARE(records[1].fields, S({ "Design, Fabrication", "He said \"hi\"\nand left" }));
        QCOMPARE(records[1].line, 2);
        QCOMPARE(records[2].line, 4); // the quoted newline used a physical line
        QVERIFY(!records[1].strayQuote);
        QVERIFY(!records[1].unterminatedQuote);
    }

    void emptyFieldsAndEmptyQuoted()
    {
        const auto records = readAll("a,,\"\",d,\n");
        QCOMPARE(records.size(), 1);
        QCOMPARE(records[0].fields, S({ "a", "", "", "d", "" }));
    }

    void crlfAndLoneCr()
    {
        const auto records = readAll("a,b\r\n1,2\r\n\"x\r\ny\",3\r\n4,5\r6,7");
        QCOMPARE(records.size(), 5);
        QCOMPARE(records[1].fields, S({ "1", "2" }));
        QCOMPARE(records[2].fields, S({ "x\r\ny", "3" })); // quoted line ends are kept as written
        QCOMPARE(records[2].line, 3);
        QCOMPARE(records[3].line, 5);
        QCOMPARE(records[3].fields, S({ "4", "5" }));
        QCOMPARE(records[4].fields, S({ "6", "7" }));
        QCOMPARE(records[4].line, 6);
    }

    void bomIsSkipped()
    {
        const auto records = readAll("\xEF\xBB\xBFtitle,price\nA,1\n");
        QCOMPARE(records[0].fields, S({ "title", "price" }));
    }

    void blankLinesAreSkippedButCounted()
    {
        const auto records = readAll("\n\na,b\n\n\n1,2\n\n");
        QCOMPARE(records.size(), 2);
        QCOMPARE(records[0].line, 3);
        QCOMPARE(records[1].line, 6);
    }

    void utf8()
    {
        const auto records = readAll("Café Müller,日本\n");
        QCOMPARE(records[0].fields, S({ "Café Müller", "日本" }));
        QVERIFY(!records[0].invalidUtf8);
    }

    void invalidUtf8IsFlaggedAndReplaced()
    {
        const auto records = readAll("ok,\xC3\x28 bad\nfine,row\n");
        QCOMPARE(records.size(), 2);
        QVERIFY(records[0].invalidUtf8);
        QVERIFY(records[0].fields[1].contains(QChar(0xFFFD)));
        QVERIFY(!records[1].invalidUtf8);
    }

    void overlongAndSurrogatesAreInvalid()
    {
        QVERIFY(readAll("\xC0\xAF\n")[0].invalidUtf8); // overlong '/'
        QVERIFY(readAll("\xED\xA0\x80\n")[0].invalidUtf8); // UTF-16 surrogate
        QVERIFY(readAll("\xF4\x90\x80\x80\n")[0].invalidUtf8); // > U+10FFFF
        QVERIFY(readAll("\xE2\x82\n")[0].invalidUtf8); // truncated sequence
        QVERIFY(!readAll("\xF0\x9F\x98\x80\n")[0].invalidUtf8); // emoji is fine
    }

    void nulBytesAreRemovedAndFlagged()
    {
        const QByteArray data("a\0b,c\n", 6);
        const auto records = readAll(data);
        QCOMPARE(records.size(), 1);
        QVERIFY(records[0].hadNul);
        QCOMPARE(records[0].fields, S({ "ab", "c" }));
    }

    void unterminatedQuoteAtEof()
    {
        const auto records = readAll("a,b\n1,\"never closed\n2,3\n4,5");
        QCOMPARE(records.size(), 2);
        QVERIFY(records[1].unterminatedQuote);
        QCOMPARE(records[1].fields[1], QStringLiteral("never closed\n2,3\n4,5"));
    }

    void strayQuotesAreKeptLiterally()
    {
        const auto records = readAll("5\" pipe,\"quoted\"tail,ok\n");
        QCOMPARE(records.size(), 1);
        QVERIFY(records[0].strayQuote);
        QCOMPARE(records[0].fields, S({ "5\" pipe", "quotedtail", "ok" }));
    }

    void hugeSingleField()
    {
        QByteArray big(10 * 1024 * 1024, 'x');
        big[5000] = ',';
        big[6000] = '\n';
        const QByteArray data = "a,b\n\"" + QByteArray(10 * 1024 * 1024, 'y').replace(100, 2, "\"\"") + "\",2\n" + big;
        const auto records = readAll(data);
        QCOMPARE(records.size(), 4);
        QCOMPARE(records[1].fields[0].size(), 10 * 1024 * 1024 - 1);
        QCOMPARE(records[1].fields[0][100], QLatin1Char('"'));
        QCOMPARE(records[1].fields[1], QStringLiteral("2"));
        QCOMPARE(records[2].fields[0].size(), 5000);
        QCOMPARE(records[3].line, 4);
    }

    void delimiterSniffing()
    {
        QCOMPARE(CsvReader::sniffDelimiter("a,b,c\n"), ',');
        QCOMPARE(CsvReader::sniffDelimiter("a\tb\tc\n"), '\t');
        QCOMPARE(CsvReader::sniffDelimiter("a;b;c\n"), ';');
        QCOMPARE(CsvReader::sniffDelimiter("\"x;y\",b\n"), ',');
        QCOMPARE(CsvReader::sniffDelimiter(""), ',');
        const auto records = readAll("a\tb\n\"1\t2\"\t3\n", '\t');
        QCOMPARE(records[1].fields, S({ "1\t2", "3" }));
    }

    void emptyInput()
    {
        QVERIFY(readAll("").isEmpty());
        QVERIFY(readAll("\xEF\xBB\xBF").isEmpty());
        QVERIFY(readAll("\r\n\n\r").isEmpty());
    }

    void garbageNeverCrashes()
    {
        // Deterministic pseudo-random bytes biased towards the characters the reader cares about.
        quint64 state = 42;
        const char alphabet[] = { ',', '"', '\n', '\r', 'a', '\0', '\xC3', '\xA9', '\xFF', ' ' };
        for (int round = 0; round < 200; ++round) {
            QByteArray data;
            const int size = 1 + round * 7;
            for (int i = 0; i < size; ++i) {
                state = state * 6364136223846793005ull + 1442695040888963407ull;
                data.append(alphabet[(state >> 33) % sizeof(alphabet)]);
            }
            CsvReader reader(data);
            CsvRecord r;
            qsizetype lastLine = 0;
            int guard = 0;
            while (reader.next(r)) {
                QVERIFY(r.line > lastLine);
                lastLine = r.line;
                QVERIFY(++guard <= size + 1);
            }
            QVERIFY(reader.atEnd());
        }
    }
};

QTEST_GUILESS_MAIN(TestCsvReader)
#include "tst_csvreader.moc"
