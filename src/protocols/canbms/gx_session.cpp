// SPDX-License-Identifier: MIT
#include "protocols/canbms/gx_session.hpp"

namespace gxlink::canbms {

Result<Message> GxSession::on_frame(const CanFrame& f, TimePoint now) noexcept {
  ++stats_.frames;
  auto m = decode(f);
  if (!m) {
    if (m.error().code == Errc::kUnknownId)
      ++stats_.unknown_ids;
    else
      ++stats_.bad_frames;
    return m;
  }
  ++stats_.decoded;
  if (std::holds_alternative<Limits>(*m)) {
    // Only 0x351 keeps the link (seeds/001 §1.4; Venus changelog 2016: keepalive moved to 0x351).
    last_limits_ = now;
    connected_ = true;
  } else if (const auto* t = std::get_if<TextMessage>(&*m)) {
    switch (t->id) {
      case kIdManufacturer: manufacturer_ = t->text; break;
      case kIdName1:
        name1_ = t->text;
        have_name1_ = true;
        break;
      case kIdName2: name2_ = t->text; break;
      case kIdSerial1: serial1_ = t->text; break;
      case kIdSerial2:
        serial2_ = t->text;
        have_serial2_ = true;
        break;
      case kIdFamily: family_ = t->text; break;
      default: break;
    }
  }
  return m;
}

bool GxSession::on_tick(TimePoint now, std::vector<CanFrame>& out) {
  if (options_.send_keepalive) {
    if (!next_keepalive_) next_keepalive_ = now;
    if (now >= *next_keepalive_) {
      out.push_back(encode(Keepalive{}));
      out.push_back(encode(InverterId{}));
      // Keep the 1 s grid; after a long stall resume from now instead of bursting.
      *next_keepalive_ += options_.keepalive_period;
      if (*next_keepalive_ <= now) *next_keepalive_ = now + options_.keepalive_period;
    }
  }
  if (connected_ && last_limits_ && now - *last_limits_ >= options_.link_timeout) {
    connected_ = false;
    ++stats_.link_losses;
    return true;
  }
  return false;
}

std::optional<TimePoint> GxSession::next_deadline() const noexcept {
  std::optional<TimePoint> d = options_.send_keepalive ? next_keepalive_ : std::nullopt;
  if (connected_ && last_limits_) {
    const TimePoint t = *last_limits_ + options_.link_timeout;
    if (!d || t < *d) d = t;
  }
  return d;
}

std::string GxSession::name() const {
  std::string full;
  if (have_name1_) {
    full.assign(name1_.view());
    full.append(name2_.view());
  }
  return std::string(battery_name(full, manufacturer_.view()));
}

std::optional<std::string> GxSession::serial() const {
  if (!have_serial2_) return std::nullopt;
  std::string s(serial1_.view());
  s.append(serial2_.view());
  return s;
}

}  // namespace gxlink::canbms
