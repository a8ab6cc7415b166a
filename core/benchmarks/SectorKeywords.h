#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

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
    int lookup(std::u16string_view word) const;

    // Import speed depends on this lookup (every word of every title and description), so it
    // works on views into one buffer with a cheap hash instead of allocating QStrings.
    struct Fnv final
    {
        size_t operator()(std::u16string_view s) const noexcept
        {
            size_t h = 1469598103934665603ull;
            for (const char16_t c : s)
                h = (h ^ c) * 1099511628211ull;
            return h;
        }
    };
    QStringList m_sectors;
    std::deque<std::u16string> m_storage; // owns the keys
    std::unordered_map<std::u16string_view, int, Fnv> m_words; // word or "first second" → sector
    std::unordered_set<std::u16string_view, Fnv> m_phraseStarts; // first words of two-word phrases
};

} // namespace dealscope
