#pragma once

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringView>

namespace dealscope {

// Keyword → sector table for inferring the sector of a listing from its free text. The sector
// names are those of the industry-multiples table (BizBuySell's 15 sectors). Built once,
// immutable, shared by every BenchmarkTable.
class SectorKeywords final
{
public:
    static const SectorKeywords &instance();

    struct Scores final
    {
        QList<int> bySector; // index into sectorNames()
    };

    const QStringList &sectorNames() const { return m_sectors; }
    // Adds weight × matches of `text` (lower-cased words, plurals folded, two-word phrases
    // counting double) to `scores`; reads at most `maxChars` characters.
    void score(QStringView text, int weight, QList<int> &scores, qsizetype maxChars) const;

private:
    SectorKeywords();
    void add(int sector, std::initializer_list<const char16_t *> keywords);
    int lookup(const QString &word) const;

    QStringList m_sectors;
    QHash<QString, int> m_words;     // word or "first second" → sector index
    QSet<QString> m_phraseStarts;    // first words of two-word phrases
};

} // namespace dealscope
