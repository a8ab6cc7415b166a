#include "analysis/AnalysisError.h"

namespace dealscope {

AnalysisError::AnalysisError(Kind kind, const QString &message, std::optional<qint64> retryAfterMs)
    : std::runtime_error(message.toStdString())
    , m_kind(kind)
    , m_message(message)
    , m_retryAfterMs(retryAfterMs)
{ }

AnalysisError AnalysisError::canceledByUser()
{
    return AnalysisError(Kind::Canceled, canceledByUserText());
}

} // namespace dealscope
