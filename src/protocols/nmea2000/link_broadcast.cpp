// SPDX-License-Identifier: MIT
#include "protocols/nmea2000/link_broadcast.hpp"

#include <cmath>

#include "protocols/nmea2000/vreg.hpp"

namespace gxlink::nmea2000 {
namespace {

// Ranges: what a charger on a 12–48 V bank can be asked for. The vecan service serves the whole
// bus and does not know the bank, so the charge voltage is bounded by the highest system voltage a
// VE.Can charger serves (a 48 V bank's CVL stays below 64 V), not per bank as on VE.Direct.
constexpr LinkPathDesc kLinkPaths[] = {
    {"/Link/ChargeVoltage", 0x2001, true, 8.0, 70.0},           // LINK_VSET un16 0.01 V
    {"/Link/NetworkMode", 0x200E, true, 0, kLinkNetworkModeBits},  // network mode un8
    {"/Link/VoltageSense", 0x2002, false, 0.0, 70.0},           // LINK_VSENSE un16 0.01 V
    {"/Link/TemperatureSense", 0x2003, false, -40.0, 85.0},     // LINK_TSENSE sn16 0.01 °C
    {"/Link/ExtraBatteryCurrent", 0x201C, false, -10000.0, 10000.0},  // sn32 0.001 A
};

}  // namespace

std::span<const LinkPathDesc> vecan_link_paths() noexcept { return kLinkPaths; }

const LinkPathDesc* find_vecan_link(std::string_view path) noexcept {
  for (const auto& d : kLinkPaths)
    if (d.path == path) return &d;
  return nullptr;
}

Result<Frame<8>> encode_link_broadcast(const LinkPathDesc& d, double value) noexcept {
  if (!std::isfinite(value) || value < d.min || value > d.max)
    return tl::unexpected(Error{Errc::kOutOfRange, "outside the path's range"});
  if (d.reg == 0x200E) {
    // A bit mask: whole, and only the seed-003 bits.
    if (value != std::floor(value) ||
        (static_cast<std::int64_t>(value) & ~kLinkNetworkModeBits) != 0)
      return tl::unexpected(Error{Errc::kOutOfRange, "only bits 0x1, 0x4 and 0x8"});
  }
  const VregDesc* r = find_vreg(d.reg);
  if (!r) return tl::unexpected(Error{Errc::kUnsupported, "no register descriptor"});
  auto f = encode_vreg_value(*r, value);
  if (!f) return f;
  const std::size_t width = r->type == VregType::kUn8                                 ? 1
                            : r->type == VregType::kUn16 || r->type == VregType::kSn16 ? 2
                                                                                       : 4;
  for (std::size_t i = 4 + width; i < f->size; ++i) f->data[i] = 0x00;
  return f;
}

Result<void> LinkBroadcaster::write(const LinkPathDesc& d, double value, TimePoint now) {
  auto f = encode_link_broadcast(d, value);
  if (!f) return tl::unexpected(f.error());
  auto [it, fresh] = values_.try_emplace(d.path, Held{&d, *f, now, std::nullopt, true});
  Held& h = it->second;
  // A single-shot path goes out on every write; a repeated one at once only when it changed
  // (otherwise its repeat carries it, so a GX writing every 3 s does not double the traffic).
  if (!fresh && (!d.repeated || !(h.payload == *f))) h.pending = true;
  h.payload = *f;
  h.written = now;
  return {};
}

std::vector<Frame<8>> LinkBroadcaster::due(TimePoint now) {
  expired_.clear();
  std::vector<Frame<8>> out;
  for (auto it = values_.begin(); it != values_.end();) {
    Held& h = it->second;
    if (h.desc->repeated && now - h.written > opt_.hold) {
      expired_.push_back(h.desc);
      it = values_.erase(it);
      continue;
    }
    const bool repeat_due = h.desc->repeated && h.sent && now - *h.sent >= opt_.repeat;
    if (h.pending || repeat_due) {
      out.push_back(h.payload);
      h.pending = false;
      h.sent = now;
      ++broadcasts_;
    }
    if (!h.desc->repeated && !h.pending) {
      it = values_.erase(it);  // single shot: sent, forgotten
      continue;
    }
    ++it;
  }
  return out;
}

bool LinkBroadcaster::holds(std::string_view path) const { return values_.count(path) != 0; }

}  // namespace gxlink::nmea2000
