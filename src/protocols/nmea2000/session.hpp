// SPDX-License-Identifier: MIT
#pragma once
/// Network management as an NMEA 2000 node (nmea2000.md §8, ISO 11783-5 / J1939-81):
///  - claims an address with its NAME (60928), waits 250 ms for contention before sending data;
///  - contention: the lower 64-bit NAME wins; the loser moves to the next free address, and when
///    none is left sends "cannot claim" from 254 after the pseudo-random RTxD delay and stays
///    silent;
///  - answers ISO Requests (59904) for 60928 and 126996, NAKs other addressed requests;
///  - sends a 126993 heartbeat every 60 s;
///  - adopts a Commanded Address (65240, by BAM) addressed to its NAME;
///  - keeps the list of other nodes from their claims and their 126996 product information.
/// With `claim_address = false` it uses the fixed address 254 (seed 000 FAQ Q21) and never claims.
/// Sans-I/O: messages and time in, frames out.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/can_frame.hpp"
#include "core/time.hpp"
#include "protocols/nmea2000/data_link.hpp"
#include "protocols/nmea2000/name.hpp"

namespace gxlink::nmea2000 {

inline constexpr Duration kClaimContention = std::chrono::milliseconds(250);
inline constexpr Duration kHeartbeatInterval = std::chrono::seconds(60);

struct ProductInfo {
  std::uint16_t nmea2000_version = 2100;  ///< ×0.001 (2.100)
  std::uint16_t product_code = 0;
  std::string model_id;
  std::string software_version;
  std::string model_version;
  std::string serial;
  std::uint8_t certification_level = 1;
  std::uint8_t load_equivalency = 1;
};

/// 126996 payload (134 bytes, strings padded with 0xFF).
std::vector<std::uint8_t> encode_product_info(const ProductInfo& p);
std::optional<ProductInfo> decode_product_info(ByteView payload);

struct Node {
  std::uint8_t address = 0;
  IsoName name;
  std::uint64_t name_raw = 0;
  TimePoint last_seen{};
  std::optional<ProductInfo> product;
};

struct SessionConfig {
  IsoName name;
  std::uint8_t preferred_address = 0x80;
  bool claim_address = true;
  ProductInfo product;
  bool heartbeat = true;
};

enum class ClaimState { kIdle, kClaiming, kClaimed, kCannotClaim, kFixed };

struct SessionStats {
  std::uint64_t conflicts_won = 0;
  std::uint64_t conflicts_lost = 0;
  std::uint64_t requests_answered = 0;
};

class NetworkSession {
 public:
  explicit NetworkSession(SessionConfig cfg);

  /// Starts claiming (or goes straight to the fixed address).
  void start(TimePoint now, std::vector<CanFrame>& out);
  /// Every whole message from the bus (after reassembly).
  void on_message(const Message& m, TimePoint now, std::vector<CanFrame>& out);
  /// Timers: end of contention, delayed cannot-claim, heartbeat.
  void on_tick(TimePoint now, std::vector<CanFrame>& out);
  std::optional<TimePoint> next_deadline() const;

  ClaimState state() const noexcept { return state_; }
  std::uint8_t address() const noexcept { return address_; }
  /// True when data PGNs may be sent (claimed and past the contention window, or fixed address).
  bool can_send() const noexcept {
    return state_ == ClaimState::kClaimed || state_ == ClaimState::kFixed;
  }
  const IsoName& name() const noexcept { return cfg_.name; }
  const std::map<std::uint8_t, Node>& nodes() const noexcept { return nodes_; }
  const SessionStats& stats() const noexcept { return stats_; }

  /// Frames for a message from this node (fast-packet sequence handled); empty when we may not
  /// send.
  std::vector<CanFrame> frames_for(std::uint32_t pgn, std::uint8_t prio, std::uint8_t dst,
                                   ByteView payload);

 private:
  void send_claim(std::uint8_t from, std::vector<CanFrame>& out);
  void claim(std::uint8_t address, TimePoint now, std::vector<CanFrame>& out);
  void move_on(TimePoint now, std::vector<CanFrame>& out);
  void send_raw(std::uint32_t pgn, std::uint8_t prio, std::uint8_t src, std::uint8_t dst,
                ByteView payload, std::vector<CanFrame>& out);

  SessionConfig cfg_;
  ClaimState state_ = ClaimState::kIdle;
  std::uint8_t address_ = kNullAddress;
  std::uint8_t first_tried_ = 0;
  std::optional<TimePoint> contention_end_;
  std::optional<TimePoint> cannot_claim_at_;
  std::optional<TimePoint> next_heartbeat_;
  std::uint8_t heartbeat_seq_ = 0;
  std::map<std::uint8_t, Node> nodes_;
  FastPacketSender sender_;
  SessionStats stats_;
};

}  // namespace gxlink::nmea2000
