#pragma once

namespace dealscope {

// Exit codes of every dealscope-cli command (issue 2).
enum ExitCode : int {
    ExitSuccess = 0, // everything requested succeeded
    ExitFailure = 1, // ran, but at least one analysis failed or was canceled
    ExitUsage = 2, // bad usage or unusable input (unknown option/type/listing, unreadable file)
};

} // namespace dealscope
