// SPDX-License-Identifier: MIT
#include "protocols/nmea2000/session.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "protocols/nmea2000/pgn_table.hpp"

namespace gxlink::nmea2000 {
namespace {

constexpr std::uint32_t kIsoAck = 59392;
constexpr std::uint32_t kIsoRequest = 59904;
constexpr std::uint32_t kAddressClaim = 60928;
constexpr std::uint32_t kHeartbeat = 126993;
constexpr std::uint32_t kProductInfo = 126996;
constexpr std::uint32_t kCommandedAddress = 65240;

void put_string(std::vector<std::uint8_t>& p, std::size_t at, const std::string& s) {
  for (std::size_t i = 0; i < 32 && i < s.size(); ++i) p[at + i] = static_cast<std::uint8_t>(s[i]);
}

std::string get_string(ByteView p, std::size_t at) {
  std::string s;
  for (std::size_t i = 0; i < 32 && at + i < p.size(); ++i) {
    const std::uint8_t c = p[at + i];
    if (c == 0xFF || c == 0 || c == '@') break;
    s.push_back(static_cast<char>(c));
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return device_text(s);  // 126996 gives no encoding: valid UTF-8 as is, else Latin-1
}

}  // namespace

std::vector<std::uint8_t> encode_product_info(const ProductInfo& p) {
  std::vector<std::uint8_t> b(134, 0xFF);
  store_le16(b, 0, p.nmea2000_version);
  store_le16(b, 2, p.product_code);
  put_string(b, 4, p.model_id);
  put_string(b, 36, p.software_version);
  put_string(b, 68, p.model_version);
  put_string(b, 100, p.serial);
  b[132] = p.certification_level;
  b[133] = p.load_equivalency;
  return b;
}

std::optional<ProductInfo> decode_product_info(ByteView b) {
  if (b.size() < 132) return std::nullopt;
  ProductInfo p;
  p.nmea2000_version = load_le16(b, 0);
  p.product_code = load_le16(b, 2);
  p.model_id = get_string(b, 4);
  p.software_version = get_string(b, 36);
  p.model_version = get_string(b, 68);
  p.serial = get_string(b, 100);
  if (b.size() >= 134) {
    p.certification_level = b[132];
    p.load_equivalency = b[133];
  }
  return p;
}

NetworkSession::NetworkSession(SessionConfig cfg) : cfg_(std::move(cfg)) {}

void NetworkSession::send_raw(std::uint32_t pgn, std::uint8_t prio, std::uint8_t src,
                              std::uint8_t dst, ByteView payload, std::vector<CanFrame>& out) {
  auto frames = sender_.frames(N2kId{prio, pgn, src, dst}, payload);
  if (!frames) return;
  out.insert(out.end(), frames->begin(), frames->end());
}

void NetworkSession::send_claim(std::uint8_t from, std::vector<CanFrame>& out) {
  std::array<std::uint8_t, 8> b{};
  store_le64(b, 0, cfg_.name.to_u64());
  send_raw(kAddressClaim, 6, from, kBroadcast, b, out);
}

void NetworkSession::claim(std::uint8_t address, TimePoint now, std::vector<CanFrame>& out) {
  address_ = address;
  state_ = ClaimState::kClaiming;
  contention_end_ = now + kClaimContention;
  send_claim(address_, out);
}

void NetworkSession::start(TimePoint now, std::vector<CanFrame>& out) {
  if (!cfg_.claim_address) {
    state_ = ClaimState::kFixed;
    address_ = kNullAddress;
    if (cfg_.heartbeat) next_heartbeat_ = now + kHeartbeatInterval;
    return;
  }
  // Ask the bus who is there first (from the null address), then claim our preferred address.
  const std::array<std::uint8_t, 3> req{0x00, 0xEE, 0x00};
  send_raw(kIsoRequest, 6, kNullAddress, kBroadcast, req, out);
  first_tried_ = std::min<std::uint8_t>(cfg_.preferred_address, kMaxAddress);
  claim(first_tried_, now, out);
}

void NetworkSession::move_on(TimePoint now, std::vector<CanFrame>& out) {
  if (!cfg_.name.arbitrary_address_capable) {
    // Cannot pick another address: announce "cannot claim" after RTxD (ISO 11783-5: 0.6 ms ×
    // a pseudo-random 0..255; we derive it from the NAME so that it is deterministic).
    state_ = ClaimState::kCannotClaim;
    address_ = kNullAddress;
    cannot_claim_at_ = now + std::chrono::microseconds(600 * (cfg_.name.to_u64() % 256));
    contention_end_.reset();
    return;
  }
  std::uint8_t a = address_;
  for (int tries = 0; tries <= kMaxAddress; ++tries) {
    a = a >= kMaxAddress ? 0 : static_cast<std::uint8_t>(a + 1);
    if (a == first_tried_) break;
    if (nodes_.count(a) == 0) {
      claim(a, now, out);
      return;
    }
  }
  state_ = ClaimState::kCannotClaim;
  address_ = kNullAddress;
  contention_end_.reset();
  cannot_claim_at_ = now + std::chrono::microseconds(600 * (cfg_.name.to_u64() % 256));
}

void NetworkSession::on_message(const Message& m, TimePoint now, std::vector<CanFrame>& out) {
  const N2kId& id = m.id;
  if (id.pgn == kAddressClaim && m.payload.size() >= 8) {
    const std::uint64_t their = load_le64(m.payload);
    if (id.src == kNullAddress) {
      // "Cannot claim" from another node: forget where that NAME was.
      for (auto it = nodes_.begin(); it != nodes_.end();)
        it = it->second.name_raw == their ? nodes_.erase(it) : std::next(it);
      return;
    }
    const std::uint64_t ours = cfg_.name.to_u64();
    if (their != ours) {
      // Track the claimant (a NAME claims one address; drop its old entry).
      for (auto it = nodes_.begin(); it != nodes_.end();)
        it = (it->second.name_raw == their && it->first != id.src) ? nodes_.erase(it)
                                                                   : std::next(it);
      Node& n = nodes_[id.src];
      if (n.name_raw != their) n.product.reset();
      n.address = id.src;
      n.name_raw = their;
      n.name = IsoName::from_u64(their);
      n.last_seen = now;
    }
    if ((state_ == ClaimState::kClaiming || state_ == ClaimState::kClaimed) && id.src == address_ &&
        their != ours) {
      if (ours < their) {
        ++stats_.conflicts_won;
        send_claim(address_, out);  // defend: the lower NAME keeps the address
      } else {
        ++stats_.conflicts_lost;
        move_on(now, out);
      }
    }
    return;
  }
  if (id.pgn == kIsoRequest && m.payload.size() >= 3) {
    const bool to_us = id.dst == kBroadcast || (id.dst == address_ && can_send());
    if (!to_us) return;
    const std::uint32_t want = load_le24(m.payload);
    if (want == kAddressClaim) {
      if (state_ == ClaimState::kClaiming || state_ == ClaimState::kClaimed) {
        ++stats_.requests_answered;
        send_claim(address_, out);
      } else if (state_ == ClaimState::kCannotClaim && !cannot_claim_at_) {
        ++stats_.requests_answered;
        send_claim(kNullAddress, out);
      }
      return;
    }
    if (!can_send()) return;
    if (want == kProductInfo) {
      ++stats_.requests_answered;
      const auto p = encode_product_info(cfg_.product);
      send_raw(kProductInfo, 6, address_, kBroadcast, p, out);
      return;
    }
    if (id.dst == address_ && address_ != kNullAddress) {
      // NAK an addressed request for a PGN we do not provide (ISO Acknowledgement, control 1).
      std::array<std::uint8_t, 8> nak{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0};
      store_le24(nak, 5, want);
      send_raw(kIsoAck, 6, address_, id.src, nak, out);
    }
    return;
  }
  if (id.pgn == kCommandedAddress && m.payload.size() >= 9 && cfg_.claim_address) {
    // ISO 11783-5 Commanded Address (9 bytes, so it arrives by BAM): adopt the new address when
    // the NAME is ours and the address is a usable one.
    if (load_le64(m.payload) == cfg_.name.to_u64() && m.payload[8] <= kMaxAddress) {
      first_tried_ = m.payload[8];
      claim(m.payload[8], now, out);
    }
    return;
  }
  if (id.pgn == kProductInfo) {
    auto it = nodes_.find(id.src);
    if (it != nodes_.end()) it->second.product = decode_product_info(m.payload);
  }
  auto it = nodes_.find(id.src);
  if (it != nodes_.end()) it->second.last_seen = now;
}

void NetworkSession::on_tick(TimePoint now, std::vector<CanFrame>& out) {
  if (state_ == ClaimState::kClaiming && contention_end_ && now >= *contention_end_) {
    state_ = ClaimState::kClaimed;
    contention_end_.reset();
    if (cfg_.heartbeat) next_heartbeat_ = now;
  }
  if (state_ == ClaimState::kCannotClaim && cannot_claim_at_ && now >= *cannot_claim_at_) {
    cannot_claim_at_.reset();
    send_claim(kNullAddress, out);
  }
  if (can_send() && next_heartbeat_ && now >= *next_heartbeat_) {
    // 126993: interval 60 s in 0.01 s, sequence counter, controller states 0, equipment
    // operational.
    std::array<std::uint8_t, 8> hb{0x70, 0x17, heartbeat_seq_, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF};
    heartbeat_seq_ = static_cast<std::uint8_t>(heartbeat_seq_ == 252 ? 0 : heartbeat_seq_ + 1);
    send_raw(kHeartbeat, 7, address_, kBroadcast, hb, out);
    next_heartbeat_ = now + kHeartbeatInterval;
  }
}

std::optional<TimePoint> NetworkSession::next_deadline() const {
  std::optional<TimePoint> d;
  for (const auto& t : {contention_end_, cannot_claim_at_, next_heartbeat_})
    if (t && (!d || *t < *d)) d = t;
  return d;
}

std::vector<CanFrame> NetworkSession::frames_for(std::uint32_t pgn, std::uint8_t prio,
                                                 std::uint8_t dst, ByteView payload) {
  std::vector<CanFrame> out;
  if (!can_send()) return out;
  send_raw(pgn, prio, address_, is_pdu1(pgn) ? dst : kBroadcast, payload, out);
  return out;
}

}  // namespace gxlink::nmea2000
