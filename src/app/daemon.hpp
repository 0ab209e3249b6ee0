// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink run`: one asio::io_context on one thread owns the model; drivers and publishers hang off
/// it.

#include "app/config.hpp"

namespace gxlink::app {

/// Runs until SIGINT/SIGTERM (or --duration). Returns the process exit code.
int run_daemon(const RunOptions& opts);

}  // namespace gxlink::app
