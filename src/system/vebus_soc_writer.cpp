// SPDX-License-Identifier: MIT
#include "system/vebus_soc_writer.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "system/service_reads.hpp"
#include "system/systemcalc.hpp"

namespace gxlink::system {
namespace {

using model::Value;

/// Hub-2 assistants adjust the SOC themselves; writing one would fight them. They cannot be
/// detected except by id (vebussocwriter.py's list).
constexpr std::array<std::int64_t, 11> kHub2AssistantIds = {
    0x0134, 0x0135, 0x0137, 0x0138, 0x013A, 0x0141, 0x0146, 0x014D, 0x015F, 0x0160, 0x0165};

}  // namespace

void VebusSocWriter::start() {
  system_ = ctx_.model.find(kSystemService);
  if (!system_) throw std::runtime_error("vebus-soc needs systemcalc's com.victronenergy.system");
  system_->add("/Control/ExtraBatteryCurrent", {}, Value{std::int64_t{0}});
  system_->add("/Control/VebusSoc", {}, Value{std::int64_t{0}});
}

void VebusSocWriter::stop() {
  system_ = nullptr;
  last_soc_.reset();
}

bool VebusSocWriter::must_write_soc(const model::Service& vebus) const {
  const std::string* active = text(system_, "/ActiveBatteryService");
  if (!active || active->starts_with("com.victronenergy.vebus")) return false;
  if (model::is_valid(vebus.get("/Hub2"))) return true;
  // /Devices/0/Assistants: the assistant ids as little-endian byte pairs; invalid = not known
  // yet, so a hub-2 assistant cannot be ruled out.
  const auto* bytes = std::get_if<model::IntArray>(&vebus.get("/Devices/0/Assistants"));
  if (!bytes) return false;
  for (std::size_t i = 0; i + 1 < bytes->size(); i += 2) {
    const std::int64_t id = ((*bytes)[i] & 0xFF) | (((*bytes)[i + 1] & 0xFF) << 8);
    for (auto hub2 : kHub2AssistantIds)
      if (id == hub2) return false;
  }
  return true;
}

void VebusSocWriter::on_tick(TimePoint now) {
  if (!system_ || ctx_.model.find(kSystemService) != system_) return;
  model::Model& m = ctx_.model;
  const std::string* vebus_name = text(system_, "/VebusService");
  const model::Service* vebus = vebus_name ? m.find(*vebus_name) : nullptr;

  // The solar chargers' charge current (systemcalc's unpublished /Dc/Pv/ChargeCurrent: their
  // /Dc/0/Current without the load output), written each second.
  std::int64_t current_written = 0;
  if (vebus && model::is_valid(vebus->get("/ExtraBatteryCurrent"))) {
    double pv = 0;
    for (const model::Service* s : of(m, "solarcharger"))
      if (num(s, "/Dc/0/Voltage"))
        if (auto i = num(s, "/Dc/0/Current")) pv += *i;
    if (m.write(*vebus_name, "/ExtraBatteryCurrent", Value{pv}) == model::WriteResult::kOk)
      current_written = 1;
  }
  system_->set("/Control/ExtraBatteryCurrent", Value{current_written});

  if (!due(last_soc_, now, kSocSeconds)) return;
  std::int64_t soc_written = 0;
  if (vebus && must_write_soc(*vebus)) {
    if (auto soc = num(system_, "/Dc/Battery/Soc"); soc && has(vebus, "/Soc"))
      soc_written = m.write(*vebus_name, "/Soc", Value{*soc}) == model::WriteResult::kOk ? 1 : 0;
  }
  system_->set("/Control/VebusSoc", Value{soc_written});
}

}  // namespace gxlink::system
