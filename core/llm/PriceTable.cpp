#include "llm/PriceTable.h"

#include <QFile>

#include <nlohmann/json.hpp>

#include <cmath>

namespace dealscope::llm {

std::optional<PriceTable> PriceTable::fromJson(const QByteArray &bytes, QString *error)
{
    auto fail = [&](const QString &message) -> std::optional<PriceTable> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    const auto doc = nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("models") || !doc["models"].is_object())
        return fail(QStringLiteral("price table must be a JSON object with a \"models\" object"));
    PriceTable table;
    for (auto &[model, price] : doc["models"].items()) {
        const QString name = QString::fromStdString(model);
        if (!price.is_object())
            return fail(QStringLiteral("price of \"%1\" must be an object").arg(name));
        Price p;
        for (auto [key, target] : { std::pair { "inputPerMillion", &p.inputPerMillion },
                 std::pair { "outputPerMillion", &p.outputPerMillion } }) {
            if (!price.contains(key) || !price[key].is_number() || !std::isfinite(price[key].get<double>())
                || price[key].get<double>() < 0)
                return fail(
                    QStringLiteral("price of \"%1\" needs a non-negative number \"%2\"").arg(name, QLatin1String(key)));
            *target = price[key].get<double>();
        }
        table.set(name, p);
    }
    return table;
}

std::optional<PriceTable> PriceTable::fromFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read price table %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.read(1024 * 1024);
    QString why;
    auto table = fromJson(bytes, &why);
    if (!table && error)
        *error = QStringLiteral("price table %1: %2").arg(path, why);
    return table;
}

PriceTable PriceTable::builtin()
{
    QString error;
    if (auto table = fromFile(QStringLiteral(":/prompts/price-table.json"), &error))
        return *table;
    return {};
}

std::optional<PriceTable::Price> PriceTable::find(const QString &model) const
{
    if (auto it = m_prices.constFind(model); it != m_prices.constEnd())
        return *it;
    std::optional<Price> best;
    qsizetype bestLength = 0;
    for (auto it = m_prices.constBegin(); it != m_prices.constEnd(); ++it) {
        if (it.key().size() > bestLength && model.startsWith(it.key())) {
            best = it.value();
            bestLength = it.key().size();
        }
    }
    return best;
}

std::optional<double> PriceTable::estimateUsd(const QString &model, qint64 promptTokens, qint64 completionTokens) const
{
    const auto price = find(model);
    if (!price)
        return std::nullopt;
    const double usd = (static_cast<double>(promptTokens) * price->inputPerMillion
                           + static_cast<double>(completionTokens) * price->outputPerMillion)
        / 1e6;
    return std::round(usd * 1e6) / 1e6;
}

} // namespace dealscope::llm
