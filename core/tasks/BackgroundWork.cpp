#include "tasks/BackgroundWork.h"

namespace dealscope {

BackgroundWork::BackgroundWork(const QString &name, int threads, QObject *parent)
    : QObject(parent)
{
    setObjectName(name);
    m_pool.setObjectName(name);
    m_pool.setMaxThreadCount(qMax(1, threads));
}

BackgroundWork::~BackgroundWork()
{
    // Running work posts its result to this object: it must be done before we go; what it posted
    // is removed with the object (~QObject) and never runs.
    m_pool.clear();
    m_pool.waitForDone();
}

void BackgroundWork::waitForIdle()
{
    m_pool.waitForDone();
}

void BackgroundWork::clear()
{
    m_pool.clear();
}

} // namespace dealscope
