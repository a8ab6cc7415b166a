#pragma once

#include "domain/Listing.h"
#include "generate/DeterministicRandom.h"

#include <QByteArray>
#include <QList>

#include <memory>

class QIODevice;

namespace dealscope {

class BenchmarkTable;

// Fictional listings drawn from the sector benchmark distributions (issue 2 item 13): the sector
// by weight, the asking price log-normal around the industry's (else sector's) median sale
// price, cash flow = price ÷ (SDE multiple × noise), revenue = price ÷ (revenue multiple × noise),
// fields missing at rates like the real BizBuySell export, made-up titles and descriptions in
// real US cities. The same seed gives byte-identical output on every platform (no std::
// distributions, no libm, no clock: years are relative to kReferenceYear).
class ListingGenerator final
{
public:
    static constexpr int kReferenceYear = 2025;

    ListingGenerator(std::shared_ptr<const BenchmarkTable> benchmarks, quint64 seed);

    // The next listing of the sequence; ids are "G000001", "G000002", …
    Listing next();
    QList<Listing> generate(qsizetype count);

    // CSV with the header below; money as "$1,234,567", unknown money as "N/A", inventory as
    // "Included in asking price" / "Not included in asking price" / an amount, like BizBuySell.
    static QByteArray csvHeader();
    static QByteArray csvRow(const Listing &listing);
    static QByteArray toCsv(const QList<Listing> &listings);
    // A JSON array of listingToJson() objects, one per line.
    static QByteArray toJson(const QList<Listing> &listings);

    // Streams `count` new listings without holding them all; false when the device fails.
    bool writeCsv(QIODevice &out, qsizetype count);
    bool writeJson(QIODevice &out, qsizetype count);

private:
    std::shared_ptr<const BenchmarkTable> m_benchmarks;
    DeterministicRandom m_random;
    qsizetype m_sequence = 0;
};

} // namespace dealscope
