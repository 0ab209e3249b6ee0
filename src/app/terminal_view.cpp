// SPDX-License-Identifier: MIT
#include "app/terminal_view.hpp"

#include <array>
#include <string_view>

namespace gxlink::app {
namespace {

// The paths a person looks at first, in the order Venus' own overview shows them.
constexpr std::array<std::string_view, 18> kMainPaths = {"/Dc/0/Voltage",
                                                         "/Dc/0/Current",
                                                         "/Dc/0/Power",
                                                         "/Soc",
                                                         "/TimeToGo",
                                                         "/Pv/V",
                                                         "/Yield/Power",
                                                         "/State",
                                                         "/ErrorCode",
                                                         "/Ac/ActiveIn/L1/P",
                                                         "/Ac/Out/L1/P",
                                                         "/Mode",
                                                         "/Dc/0/Temperature",
                                                         "/ConsumedAmphours",
                                                         "/Info/MaxChargeVoltage",
                                                         "/Info/MaxChargeCurrent",
                                                         "/Info/MaxDischargeCurrent",
                                                         "/Yield/User"};

}  // namespace

std::string render_terminal_view(const model::Model& m, int width) {
  std::string out;
  for (auto& [name, s] : m.services()) {
    const auto connected = model::as_int(s->get("/Connected")).value_or(0) == 1;
    out += connected ? "● " : "○ ";
    out += name;
    out += "  [" + model::to_plain_text(s->get("/ProductName")) + ", instance " +
           std::to_string(s->device_instance()) + (connected ? "" : ", disconnected") + "]\n";
    std::string line = "   ";
    for (auto p : kMainPaths) {
      const auto* item = s->find(p);
      if (!item) continue;
      std::string cell = std::string(p.substr(p.rfind('/') + 1)) + " " + item->text() + "   ";
      if (static_cast<int>(line.size() + cell.size()) > width) {
        out += line + "\n";
        line = "   ";
      }
      line += cell;
    }
    out += line + "\n";
  }
  if (m.services().empty()) out += "(no services yet)\n";
  return out;
}

}  // namespace gxlink::app
