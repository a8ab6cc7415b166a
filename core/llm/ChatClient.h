#pragma once

#include "llm/ChatOutcome.h"
#include "llm/LlmConfig.h"

#include <nlohmann/json.hpp>

#include <functional>

namespace dealscope::llm {

// Blocking Chat Completions call for worker threads: runs one ChatExchange in a local event loop
// with its own QNetworkAccessManager (nothing shared between concurrent calls), polls `shouldStop`
// every 25 ms and aborts the request (closing the connection) as soon as it returns true.
class ChatClient final
{
public:
    using StopPredicate = std::function<bool()>;
    using ProgressCallback = std::function<void(const ChatOutcome &soFar)>;

    static ChatOutcome run(const LlmConfig &config, const nlohmann::json &body, const StopPredicate &shouldStop,
        const ProgressCallback &onProgress = {});
};

} // namespace dealscope::llm
