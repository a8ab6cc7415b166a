#pragma once

#include <QTranslator>

namespace dealscope {

// English plural forms for the app's own texts. Qt picks a text's plural form (tr(text, nullptr,
// n) with %n) only through a translation, and none is loaded for English, so "%n analyses" read
// "1 analyses". Instead of a Linguist toolchain for one language, this translator knows the
// singular of each such text: a text written "listing(s)" gets "listing" or "listings", and the
// texts with irregular nouns or verbs that agree are listed in EnglishPlurals.cpp. Source texts
// are written in the plural, which is what any other count reads.
class EnglishPlurals final : public QTranslator
{
    Q_OBJECT
public:
    using QTranslator::QTranslator;

    // Installs one instance on the application (once per process); called by AppContext.
    static void install();

    bool isEmpty() const override { return false; }
    QString translate(
        const char *context, const char *sourceText, const char *disambiguation = nullptr, int n = -1) const override;
};

} // namespace dealscope
