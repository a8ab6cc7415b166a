#pragma once

// The real window over its own composition root, built the way app/desktop/main.cpp builds them,
// in a temporary data folder with a temporary INI file and memory-only secrets.
#include "app/AppContext.h"
#include "ui/mainwindow/MainWindow.h"

#include <QTest>

#include <memory>

namespace dealscope::testing {

// Owns the context and the window; the window goes first (it shows what the context holds).
// Reads like the std::unique_ptr<MainWindow> the tests used before the window took a context.
class TestWindow final
{
public:
    TestWindow() = default;
    TestWindow(AppContextOptions contextOptions, ui::MainWindowOptions windowOptions)
        : m_context(std::make_unique<AppContext>(std::move(contextOptions)))
        , m_window(std::make_unique<ui::MainWindow>(*m_context, std::move(windowOptions)))
    { }
    TestWindow(TestWindow &&) = default;
    TestWindow &operator=(TestWindow &&other) noexcept
    {
        reset();
        m_context = std::move(other.m_context);
        m_window = std::move(other.m_window);
        return *this;
    }
    ~TestWindow() { reset(); }

    ui::MainWindow *get() const { return m_window.get(); }
    ui::MainWindow *operator->() const { return m_window.get(); }
    ui::MainWindow &operator*() const { return *m_window; }
    AppContext &context() const { return *m_context; }
    void reset()
    {
        m_window.reset();
        m_context.reset();
    }

private:
    std::unique_ptr<AppContext> m_context;
    std::unique_ptr<ui::MainWindow> m_window;
};

inline TestWindow makeTestWindow(const QString &iniFile, const QString &dataDir, const QString &demoListings)
{
    AppContextOptions c;
    c.settingsFile = iniFile;
    c.dataDir = dataDir;
    c.secretMode = SecretStore::Mode::MemoryOnly;
    ui::MainWindowOptions o;
    o.demoListingsResource = demoListings;
    TestWindow w(std::move(c), std::move(o));
    w->show();
    return w;
}

// Until the window has loaded its listings and re-attached its in-flight jobs. The bound is only
// there to end a broken run: a window reading 20k saved listings takes seconds under ASan on a
// loaded machine.
inline bool waitLoaded(ui::MainWindow &w, int timeoutMs = 120000)
{
    if (w.isLoaded())
        return true;
    return QTest::qWaitFor([&] { return w.isLoaded(); }, timeoutMs);
}

} // namespace dealscope::testing
