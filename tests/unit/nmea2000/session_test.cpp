// SPDX-License-Identifier: MIT
// Address claim and contention on the in-process bus with fake time.
#include "protocols/nmea2000/session.hpp"

#include <gtest/gtest.h>

#include "transport/in_process_can_bus.hpp"

namespace gxlink::nmea2000 {
namespace {

/// A session wired to an in-process bus endpoint.
struct Node {
  Node(transport::InProcessCanBus& bus, SessionConfig cfg, const TimePoint& now)
      : ep(bus.attach("node")), session(std::move(cfg)), now_(now) {
    ep->set_receiver([this](const CanFrame& f, TimePoint) {
      if (const Message* m = rx.on_frame(f, now_)) {
        std::vector<CanFrame> out;
        session.on_message(*m, now_, out);
        for (auto& o : out) ep->send(o);
      }
    });
  }
  void start() {
    std::vector<CanFrame> out;
    session.start(now_, out);
    for (auto& o : out) ep->send(o);
  }
  void tick() {
    std::vector<CanFrame> out;
    session.on_tick(now_, out);
    for (auto& o : out) ep->send(o);
  }
  std::unique_ptr<transport::InProcessCanBus::Endpoint> ep;
  NetworkSession session;
  Receiver rx;
  const TimePoint& now_;
};

SessionConfig config(std::uint32_t unique, std::uint8_t address, bool aac = true) {
  SessionConfig c;
  c.name.unique_number = unique;
  c.name.manufacturer = 358;
  c.name.function = 170;
  c.name.device_class = 35;
  c.name.arbitrary_address_capable = aac;
  c.preferred_address = address;
  c.product.model_id = "test " + std::to_string(unique);
  return c;
}

class AddressClaim : public ::testing::Test {
 protected:
  void run_for(Duration d) {
    const TimePoint end = now + d;
    while (now < end) {
      now += std::chrono::milliseconds(10);
      for (auto* n : nodes) n->tick();
      bus.pump(now);
    }
  }
  TimePoint now{};
  transport::InProcessCanBus bus{"can0"};
  std::vector<Node*> nodes;
};

TEST_F(AddressClaim, LowerNameKeepsTheAddressHigherMovesOn) {
  Node low(bus, config(0x100, 0x20), now), high(bus, config(0x200, 0x20), now);
  nodes = {&low, &high};
  bus.record(true);
  low.start();
  high.start();
  run_for(std::chrono::milliseconds(600));
  EXPECT_EQ(low.session.state(), ClaimState::kClaimed);
  EXPECT_EQ(high.session.state(), ClaimState::kClaimed);
  EXPECT_EQ(low.session.address(), 0x20);
  EXPECT_EQ(high.session.address(), 0x21);
  EXPECT_GE(high.session.stats().conflicts_lost, 1u);
  // Each sees the other in its node list.
  EXPECT_EQ(low.session.nodes().at(0x21).name.unique_number, 0x200u);
  EXPECT_EQ(high.session.nodes().at(0x20).name.unique_number, 0x100u);
}

TEST_F(AddressClaim, NoArbitraryAddressMeansCannotClaimFrom254) {
  // Both without the arbitrary-address bit (bit 63 of the NAME), so the lower unique number wins.
  Node low(bus, config(0x100, 0x20, false), now), fixed(bus, config(0x200, 0x20, false), now);
  nodes = {&low, &fixed};
  bus.record(true);
  low.start();
  run_for(std::chrono::milliseconds(300));
  fixed.start();
  run_for(std::chrono::milliseconds(400));
  EXPECT_EQ(low.session.address(), 0x20);
  EXPECT_EQ(fixed.session.state(), ClaimState::kCannotClaim);
  EXPECT_EQ(fixed.session.address(), kNullAddress);
  bool cannot_claim_seen = false;
  for (const auto& f : bus.recorded()) {
    const N2kId id = decode_can_id(f.id);
    cannot_claim_seen = cannot_claim_seen || (id.pgn == 60928 && id.src == kNullAddress);
  }
  EXPECT_TRUE(cannot_claim_seen);
  EXPECT_FALSE(fixed.session.can_send());
  EXPECT_TRUE(fixed.session.frames_for(127508, 6, 0xFF, std::vector<std::uint8_t>(8, 0)).empty());
}

TEST_F(AddressClaim, AnswersRequestsForClaimAndProductInfoAndSendsHeartbeat) {
  Node a(bus, config(0x100, 0x20), now), b(bus, config(0x300, 0x40), now);
  nodes = {&a, &b};
  a.start();
  b.start();
  run_for(std::chrono::milliseconds(400));
  bus.record(true);
  // b asks everybody for 60928 and a for 126996 (addressed), then an unsupported PGN.
  auto send = [&](std::uint32_t pgn, std::uint8_t dst) {
    std::array<std::uint8_t, 3> req{};
    store_le24(req, 0, pgn);
    for (auto& f : b.session.frames_for(59904, 6, dst, req)) b.ep->send(f);
  };
  send(60928, 0xFF);
  send(126996, 0x20);
  send(129025, 0x20);
  run_for(std::chrono::milliseconds(100));
  int claims = 0, nak = 0;
  for (const auto& f : bus.recorded()) {
    const N2kId id = decode_can_id(f.id);
    if (id.pgn == 60928 && id.src == 0x20) ++claims;
    if (id.pgn == 59392 && id.src == 0x20 && id.dst == 0x40 && f.data[0] == 1) ++nak;
  }
  EXPECT_EQ(claims, 1);
  EXPECT_EQ(nak, 1);
  ASSERT_TRUE(b.session.nodes().at(0x20).product.has_value());
  EXPECT_EQ(b.session.nodes().at(0x20).product->model_id, "test 256");
  // Heartbeat: 126993 at claim time and every 60 s.
  bus.record(true);
  run_for(std::chrono::seconds(61));
  int hb = 0;
  for (const auto& f : bus.recorded())
    hb += decode_can_id(f.id).pgn == 126993 && decode_can_id(f.id).src == 0x20;
  EXPECT_EQ(hb, 1);
}

TEST(AddressClaimCommanded, CommandedAddressForOurNameMovesUs) {
  NetworkSession s(config(0x100, 0x20));
  std::vector<CanFrame> out;
  s.start(TimePoint{}, out);
  s.on_tick(TimePoint{} + std::chrono::milliseconds(300), out);
  ASSERT_EQ(s.address(), 0x20);
  std::array<std::uint8_t, 9> cmd{};
  store_le64(cmd, 0, config(0x999, 0).name.to_u64());  // someone else's NAME: ignored
  cmd[8] = 0x42;
  s.on_message(Message{{6, 65240, 0x10, 0xFF}, cmd, {}}, TimePoint{}, out);
  EXPECT_EQ(s.address(), 0x20);
  store_le64(cmd, 0, s.name().to_u64());
  out.clear();
  s.on_message(Message{{6, 65240, 0x10, 0xFF}, cmd, {}}, TimePoint{}, out);
  EXPECT_EQ(s.address(), 0x42);
  EXPECT_EQ(s.state(), ClaimState::kClaiming);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(decode_can_id(out[0].id), (N2kId{6, 60928, 0x42, 0xFF}));
}

TEST(AddressClaimFixed, FixedAddressFallbackNeverClaims) {
  SessionConfig c = config(1, 0x20);
  c.claim_address = false;
  NetworkSession s(c);
  std::vector<CanFrame> out;
  s.start(TimePoint{}, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(s.state(), ClaimState::kFixed);
  EXPECT_EQ(s.address(), kNullAddress);
  EXPECT_TRUE(s.can_send());
}

}  // namespace
}  // namespace gxlink::nmea2000
