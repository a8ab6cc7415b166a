#pragma once

#include <QHash>
#include <QString>

#include <optional>

namespace dealscope::llm {

// USD per million tokens for a model, to estimate what a run cost. Prices change: the shipped
// table (:/prompts/price-table.json) is a default, an operator passes their own file.
class PriceTable final
{
public:
    struct Price
    {
        double inputPerMillion = 0;
        double outputPerMillion = 0;
    };

    // The table compiled into the resources.
    static PriceTable builtin();
    // Reads {"models": {"gpt-4o": {"inputPerMillion": 2.5, "outputPerMillion": 10}, …}}.
    // Returns nullopt and sets `error` when the file is unreadable or malformed.
    static std::optional<PriceTable> fromJson(const QByteArray &bytes, QString *error = nullptr);
    static std::optional<PriceTable> fromFile(const QString &path, QString *error = nullptr);

    void set(const QString &model, Price price) { m_prices.insert(model, price); }
    // Exact model name, else the longest table entry the name starts with ("gpt-4o-2024-08-06"
    // → "gpt-4o", but "gpt-4o-mini-…" → "gpt-4o-mini").
    std::optional<Price> find(const QString &model) const;
    // nullopt when the model is not in the table (an unknown cost is not zero).
    std::optional<double> estimateUsd(const QString &model, qint64 promptTokens, qint64 completionTokens) const;
    bool isEmpty() const { return m_prices.isEmpty(); }

private:
    QHash<QString, Price> m_prices;
};

} // namespace dealscope::llm
