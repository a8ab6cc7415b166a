#include "server/ServerMain.h"

#include "analysis/AnalysisEngine.h"
#include "benchmarks/BenchmarkTable.h"
#include "import/ListingImporter.h"
#include "llm/LlmOptions.h"
#include "market/ListingCatalog.h"
#include "server/ServerApp.h"
#include "server/ServerLog.h"
#include "server/auth/TokenStore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QTextStream>

namespace dealscope::server {

namespace {

int tokenCommand(const QStringList &args)
{
    QTextStream out(stdout), err(stderr);
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Manage the API tokens of dealscope-server.\n"
        "  token add --tenant NAME --tokens FILE   prints a new token once; FILE keeps only its SHA-256\n"
        "  token list --tokens FILE\n"
        "  token revoke --id ID|--tenant NAME --tokens FILE"));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("action"), QStringLiteral("add, list or revoke"));
    p.addOptions({ { QStringLiteral("tenant"), QStringLiteral("Tenant the token acts for."), QStringLiteral("NAME") },
        { QStringLiteral("tokens"), QStringLiteral("Token file."), QStringLiteral("FILE") },
        { QStringLiteral("id"), QStringLiteral("Token id (from list)."), QStringLiteral("ID") } });
    if (!p.parse(args)) {
        err << p.errorText() << Qt::endl;
        return 2;
    }
    if (p.isSet(QStringLiteral("help"))) {
        out << p.helpText();
        return 0;
    }
    const QStringList pos = p.positionalArguments(); // "token", action
    const QString action = pos.value(1);
    QString file = p.value(QStringLiteral("tokens"));
    if (file.isEmpty())
        file = QProcessEnvironment::systemEnvironment().value(QStringLiteral("DEALSCOPE_TOKENS"));
    if (file.isEmpty()) {
        err << "token: --tokens FILE is required" << Qt::endl;
        return 2;
    }
    TokenStore store;
    QString error;
    if (!store.load(file, &error)) {
        err << error << Qt::endl;
        return 1;
    }
    if (action == QLatin1String("add")) {
        const QString tenant = p.value(QStringLiteral("tenant"));
        if (!TokenStore::isValidTenant(tenant)) {
            err << "token add: --tenant NAME is required (letters, digits, . _ -, at most 64)" << Qt::endl;
            return 2;
        }
        const QString token = store.add(tenant);
        if (!store.save(file, &error)) {
            err << error << Qt::endl;
            return 1;
        }
        out << token << Qt::endl;
        err << "token " << store.entries().constLast().id << " for tenant " << tenant
            << " added; it is shown only this once" << Qt::endl;
        return 0;
    }
    if (action == QLatin1String("list")) {
        for (const auto &e : store.entries())
            out << e.id << '\t' << e.tenant << '\t' << e.createdAt << Qt::endl;
        return 0;
    }
    if (action == QLatin1String("revoke")) {
        const QString which
            = p.isSet(QStringLiteral("id")) ? p.value(QStringLiteral("id")) : p.value(QStringLiteral("tenant"));
        if (which.isEmpty()) {
            err << "token revoke: --id ID or --tenant NAME is required" << Qt::endl;
            return 2;
        }
        const int n = store.revoke(which);
        if (n == 0) {
            err << "token revoke: no token matches " << which << Qt::endl;
            return 1;
        }
        if (!store.save(file, &error)) {
            err << error << Qt::endl;
            return 1;
        }
        err << "revoked " << n << " token(s)" << Qt::endl;
        return 0;
    }
    err << "token: unknown action \"" << action << "\" (add, list, revoke)" << Qt::endl;
    return 2;
}

} // namespace

int runServerMain(int argc, char **argv, const QString &version)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("dealscope-server"));
    QCoreApplication::setApplicationVersion(version);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() > 1 && args.at(1) == QLatin1String("token"))
        return tokenCommand(args);

    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Dealscope job server: the HTTP job API, a job store (memory or Redis) and workers.\n"
        "Every option can also be set as DEALSCOPE_<NAME>, e.g. DEALSCOPE_STORE=redis://127.0.0.1:6379.\n"
        "Manage API tokens with: dealscope-server token add|list|revoke --tokens FILE"));
    parser.addHelpOption();
    parser.addVersionOption();
    addServerOptions(parser);
    addLlmOptions(parser); // --provider builtin|openai|azure, --base-url, --model, --api-key-file, …
    parser.process(app);

    ServerOptions options;
    if (const auto error = readServerOptions(parser, QProcessEnvironment::systemEnvironment(), &options)) {
        err << "dealscope-server: " << *error << Qt::endl;
        return 2;
    }

    auto benchmarks = BenchmarkTable::builtin();
    const ImportResult imported = ListingImporter(benchmarks).importFile(options.listingsFile);
    if (!imported.ok()) {
        err << "dealscope-server: cannot load listings " << options.listingsFile << ": " << imported.fatalError
            << Qt::endl;
        return 2;
    }
    auto catalog = std::make_shared<const ListingCatalog>(imported.listings, benchmarks);
    auto engine = std::make_shared<AnalysisEngine>(benchmarks, catalog);
    if (const auto error = applyLlmOptions(parser, *engine)) {
        err << "dealscope-server: " << *error << Qt::endl;
        return 2;
    }
    qCInfo(lcServer) << "loaded" << catalog->size() << "listings from" << options.listingsFile;

    ServerApp::installSignalHandlers();
    ServerApp server(options, engine);
    if (const auto error = server.start()) {
        err << "dealscope-server: " << *error << Qt::endl;
        return 1;
    }
    QObject::connect(&server, &ServerApp::finished, &app, [](int code) { QCoreApplication::exit(code); });
    return app.exec();
}

} // namespace dealscope::server
