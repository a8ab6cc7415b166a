#pragma once

// Runs the real dealscope-cli binary (DEALSCOPE_CLI_PATH) and collects what a user sees.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTest>

#include <nlohmann/json.hpp>

// QCOMPARE cannot print nlohmann::json (and its conversions confuse QTest's overloads).
#define QCOMPARE_JSON(actual, expected)                                                                                \
    do {                                                                                                               \
        const nlohmann::json actual_ = (actual);                                                                       \
        const nlohmann::json expected_ = (expected);                                                                   \
        QVERIFY2(actual_ == expected_, ("got " + actual_.dump() + ", expected " + expected_.dump()).c_str());          \
    } while (false)

namespace clitest {

struct CliRun
{
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;

    QString errText() const { return QString::fromUtf8(err); }
    QString outText() const { return QString::fromUtf8(out); }
    nlohmann::json json() const { return nlohmann::json::parse(out.toStdString()); }
};

inline QString cliPath()
{
    return QStringLiteral(DEALSCOPE_CLI_PATH);
}

// A clean environment for the child: no failpoints unless given, core logs off, sanitizer
// options passed through from the test's environment.
inline QProcessEnvironment cliEnvironment(const QString &failpoints = {})
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DEALSCOPE_FAILPOINTS"));
    env.remove(QStringLiteral("QT_LOGGING_RULES"));
    if (!failpoints.isEmpty())
        env.insert(QStringLiteral("DEALSCOPE_FAILPOINTS"), failpoints);
    return env;
}

inline CliRun runCli(const QStringList &arguments, const QProcessEnvironment &env = cliEnvironment(),
    int timeoutMs = 120000, const QByteArray &stdinData = {})
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(cliPath(), arguments);
    CliRun run;
    if (!process.waitForStarted(10000)) {
        run.err = "could not start " + cliPath().toUtf8();
        return run;
    }
    if (!stdinData.isEmpty())
        process.write(stdinData);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = "timed out: " + arguments.join(QLatin1Char(' ')).toUtf8();
        return run;
    }
    run.crashed = process.exitStatus() != QProcess::NormalExit;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

inline bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

inline QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Three listings with figures chosen so that every metric can be checked by hand.
inline QByteArray knownListingsCsv()
{
    return "id,title,industry,askingPrice,grossRevenue,cashFlow,yearEstablished\n"
           "A1,Sunny Car Wash,Car Washes,500000,1000000,200000,2010\n"
           "B2,Corner Cafe,Restaurants,250000,600000,90000,2019\n"
           "C3,No Numbers Shop,Retail,,,,\n";
}

} // namespace clitest
