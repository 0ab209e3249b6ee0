// SPDX-License-Identifier: MIT
// The dashboard's files, built in from assets/ (see CMakeLists.txt for why they are embedded and
// Chart.js is not). The page itself is assets/index.html; assets/app.js draws the overview, the
// device pages, notifications and plots from the JSON API and the /api/events stream.
#include <string>

#include "publishers/web/http_server.hpp"

namespace gxlink::publishers::web {

namespace {

#include "dashboard_assets.inc"

template <std::size_t N>
constexpr std::string_view view(const unsigned char (&bytes)[N]) {
  return {reinterpret_cast<const char*>(bytes), N};
}

}  // namespace

const std::string& dashboard_html() {
  static const std::string kPage(view(kAsset_index_html));
  return kPage;
}

const Asset* dashboard_asset(std::string_view name) {
  static const Asset kJs{"text/javascript; charset=utf-8", view(kAsset_app_js)};
  static const Asset kCss{"text/css; charset=utf-8", view(kAsset_app_css)};
  if (name == "app.js") return &kJs;
  if (name == "app.css") return &kCss;
  return nullptr;
}

}  // namespace gxlink::publishers::web
