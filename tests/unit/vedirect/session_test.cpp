// SPDX-License-Identifier: MIT
#include "protocols/vedirect/session.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gxlink::vedirect {
namespace {

std::string text(const HexText& t) {
  return std::string(reinterpret_cast<const char*>(t.data.data()), t.size);
}
TimePoint at(int ms) { return TimePoint(milliseconds(ms)); }

TEST(VeDirectHexSession, GetIsSentAndMatchedByRegister) {
  HexSession s;
  s.enqueue(make_get(0xEDF0));
  s.enqueue(make_get(0xEDDD));
  auto tx = s.poll_tx(at(0));
  ASSERT_TRUE(tx);
  EXPECT_EQ(text(*tx), ":7F0ED0071\n");
  EXPECT_FALSE(s.poll_tx(at(10)));  // one request in flight
  // An async frame and a reply for another register do not complete it.
  EXPECT_FALSE(s.on_message(*decode_hex(":A0102000543"), at(20)));
  EXPECT_FALSE(s.on_message(make_register(HexCommand::kGet, 0xEDDD, 0, {}), at(20)));
  auto out = s.on_message(*decode_hex(":7F0ED009600DB"), at(30));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->kind, HexOutcomeKind::kReply);
  EXPECT_FALSE(s.poll_tx(at(40)));  // 50 ms gap
  auto next = s.poll_tx(at(80));
  ASSERT_TRUE(next);
  EXPECT_EQ(text(*next), text(encode_hex(make_get(0xEDDD))));
}

TEST(VeDirectHexSession, TimeoutRetriesThenGivesUp) {
  HexSession s({milliseconds(500), 2, milliseconds(50), 8});
  s.enqueue(make_ping());
  ASSERT_TRUE(s.poll_tx(at(0)));
  EXPECT_EQ(s.next_deadline(), at(500));
  EXPECT_FALSE(s.on_tick(at(499)));
  EXPECT_FALSE(s.on_tick(at(500)));  // retry 1 due
  ASSERT_TRUE(s.poll_tx(at(500)));
  EXPECT_FALSE(s.on_tick(at(1000)));
  ASSERT_TRUE(s.poll_tx(at(1000)));  // retry 2
  auto out = s.on_tick(at(1500));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->kind, HexOutcomeKind::kTimeout);
  EXPECT_EQ(s.timeouts(), 1u);
  EXPECT_FALSE(s.busy());
}

TEST(VeDirectHexSession, PingAndProductIdMatchTheirReplyCommands) {
  HexSession s;
  s.enqueue(make_ping());
  s.enqueue(make_product_id());
  ASSERT_TRUE(s.poll_tx(at(0)));
  auto out = s.on_message(*decode_hex(":51641F9"), at(10));
  ASSERT_TRUE(out);
  EXPECT_EQ(*parse_word(out->reply), 0x4116);
  ASSERT_TRUE(s.poll_tx(at(100)));
  out = s.on_message(*decode_hex(":156A05E"), at(110));
  ASSERT_TRUE(out);
  EXPECT_EQ(*parse_word(out->reply), 0xA056);
}

TEST(VeDirectHexSession, ErrorReplyResendsAndUnknownCompletes) {
  HexSession s;
  s.enqueue(make_get(0xEDF0));
  ASSERT_TRUE(s.poll_tx(at(0)));
  EXPECT_FALSE(s.on_message(*decode_hex(":4AAAAFD"), at(5)));
  auto again = s.poll_tx(at(60));
  ASSERT_TRUE(again);
  EXPECT_EQ(text(*again), ":7F0ED0071\n");
  auto out = s.on_message(*decode_hex(":3020050"), at(70));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->kind, HexOutcomeKind::kUnknown);
}

TEST(VeDirectHexSession, QueueIsBoundedAndClearable) {
  HexSession s({milliseconds(500), 0, milliseconds(0), 2});
  EXPECT_TRUE(s.enqueue(make_ping()));
  EXPECT_TRUE(s.enqueue(make_ping()));
  EXPECT_FALSE(s.enqueue(make_ping()));
  s.clear();
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_FALSE(s.poll_tx(at(0)));
  EXPECT_FALSE(s.next_deadline());
}

}  // namespace
}  // namespace gxlink::vedirect
