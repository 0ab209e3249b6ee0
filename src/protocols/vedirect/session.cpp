// SPDX-License-Identifier: MIT
#include "protocols/vedirect/session.hpp"

namespace gxlink::vedirect {

bool HexSession::enqueue(const HexMessage& request) {
  if (queue_.size() >= opt_.max_queue) return false;
  queue_.push_back(request);
  return true;
}

std::optional<HexText> HexSession::poll_tx(TimePoint now) {
  if (now < next_send_) return std::nullopt;
  if (in_flight_) {
    if (!resend_) return std::nullopt;
    resend_ = false;
  } else {
    if (queue_.empty()) return std::nullopt;
    in_flight_ = queue_.front();
    queue_.pop_front();
    tries_ = 0;
  }
  ++tries_;
  deadline_ = now + opt_.timeout;
  next_send_ = now + opt_.gap;
  return encode_hex(*in_flight_);
}

bool HexSession::answers(const HexMessage& request, const HexMessage& reply) const {
  switch (request.command) {
    case static_cast<std::uint8_t>(HexCommand::kPing):
      return reply.command == static_cast<std::uint8_t>(HexResponse::kPingReply);
    case static_cast<std::uint8_t>(HexCommand::kAppVersion):
    case static_cast<std::uint8_t>(HexCommand::kProductId):
      return reply.command == static_cast<std::uint8_t>(HexResponse::kDone);
    case static_cast<std::uint8_t>(HexCommand::kGet):
    case static_cast<std::uint8_t>(HexCommand::kSet): {
      // §2.4: match on command and register id (go-victron verifies the address echo).
      if (reply.command != request.command) return false;
      if (reply.payload.size < 3 || request.payload.size < 2) return false;
      return reply.payload.data[0] == request.payload.data[0] &&
             reply.payload.data[1] == request.payload.data[1];
    }
    default: return false;
  }
}

std::optional<HexOutcome> HexSession::on_message(const HexMessage& m, TimePoint now) {
  if (!in_flight_ || resend_) return std::nullopt;
  if (m.command == static_cast<std::uint8_t>(HexResponse::kAsync)) return std::nullopt;
  if (m.command == static_cast<std::uint8_t>(HexResponse::kError)) {
    // The device saw a damaged frame: send it again at once (counts as a try).
    if (tries_ <= opt_.retries) {
      resend_ = true;
      next_send_ = now;
    }
    return std::nullopt;
  }
  HexOutcome out;
  out.request = *in_flight_;
  out.reply = m;
  if (m.command == static_cast<std::uint8_t>(HexResponse::kUnknown)) {
    out.kind = HexOutcomeKind::kUnknown;
  } else if (answers(*in_flight_, m)) {
    out.kind = HexOutcomeKind::kReply;
  } else {
    return std::nullopt;
  }
  in_flight_.reset();
  next_send_ = now + opt_.gap;
  return out;
}

std::optional<HexOutcome> HexSession::on_tick(TimePoint now) {
  if (!in_flight_ || resend_ || now < deadline_) return std::nullopt;
  if (tries_ <= opt_.retries) {
    resend_ = true;
    return std::nullopt;
  }
  HexOutcome out;
  out.kind = HexOutcomeKind::kTimeout;
  out.request = *in_flight_;
  in_flight_.reset();
  ++timeouts_;
  return out;
}

std::optional<TimePoint> HexSession::next_deadline() const {
  if (in_flight_ && !resend_) return deadline_;
  if (in_flight_ || !queue_.empty()) return next_send_;
  return std::nullopt;
}

void HexSession::clear() {
  queue_.clear();
  in_flight_.reset();
  resend_ = false;
}

}  // namespace gxlink::vedirect
