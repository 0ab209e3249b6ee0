// SPDX-License-Identifier: MIT
#pragma once
/// A refreshing terminal view of the live model (on a tty): one block per service with its main
/// values, redrawn once a second.

#include <string>

#include "model/model.hpp"

namespace gxlink::app {

/// Renders the view as text (ANSI-free), `width` columns wide.
std::string render_terminal_view(const model::Model& m, int width = 100);

}  // namespace gxlink::app
