// SPDX-License-Identifier: MIT
#include "drivers/vedirect/charger_link.hpp"

namespace gxlink::drivers::vedirect {

void ChargerLink::write(std::uint16_t reg, const gxlink::vedirect::HexPayload& value,
                        TimePoint now) {
  auto [it, fresh] = values_.try_emplace(reg);
  Held& h = it->second;
  if (fresh || !(h.value == value)) {
    // A new value of a register the device took keeps it "in use" (a sensed voltage changes at
    // every write): only a refusal, or the value being dropped, ends that.
    h.value = value;
    h.changed = true;
  }
  h.written = now;
}

std::vector<std::uint16_t> ChargerLink::expire(TimePoint now) {
  std::vector<std::uint16_t> gone;
  for (auto it = values_.begin(); it != values_.end();) {
    if (now - it->second.written > opt_.hold) {
      gone.push_back(it->first);
      it = values_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

std::optional<gxlink::vedirect::HexMessage> ChargerLink::next_set(TimePoint now) {
  if (last_set_ && now - *last_set_ < opt_.gap) return std::nullopt;
  Held* pick = nullptr;
  std::uint16_t pick_reg = 0;
  for (auto& [reg, h] : values_) {
    if (h.changed) {  // a new value goes first, in register order
      pick = &h;
      pick_reg = reg;
      break;
    }
    const bool stale = !h.sent || now - *h.sent >= opt_.refresh;
    if (stale && (!pick || (h.sent && pick->sent && *h.sent < *pick->sent))) {
      pick = &h;
      pick_reg = reg;
    }
  }
  if (!pick) return std::nullopt;
  pick->changed = false;
  pick->sent = now;
  last_set_ = now;
  ++sets_sent_;
  return gxlink::vedirect::make_set(pick_reg, pick->value.view());
}

void ChargerLink::on_reply(std::uint16_t reg, bool accepted) {
  auto it = values_.find(reg);
  if (!accepted) ++refusals_;
  if (it != values_.end()) it->second.accepted = accepted;
}

bool ChargerLink::accepted(std::uint16_t reg) const {
  auto it = values_.find(reg);
  return it != values_.end() && it->second.accepted;
}

void ChargerLink::clear() {
  values_.clear();
  last_set_.reset();
}

}  // namespace gxlink::drivers::vedirect
