// SPDX-License-Identifier: MIT
// Issue 13, conformance 1: the VE.Bus service is announced with every path it will publish. The
// phase count comes only with the first AC frame, after the service exists, so L1..L3 are
// declared from the start (invalid on the phases a unit does not have).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "drivers/vebus/vebus_mapping.hpp"
#include "protocols/vebus/framer.hpp"
#include "support/path_set_probe.hpp"
#include "support/venus_paths.hpp"

namespace gxlink::drivers::vebus {
namespace {

namespace vb = gxlink::vebus;

TEST(VebusPathSet, StatesAndCaptureAddNoPathAfterTheAnnouncement) {
  model::Model model;
  model::DeviceInstances instances;
  testing::PathSetProbe probe(model);
  VebusMapping mapping(model, instances, "ttyMK3");
  model.flush();  // announced before any frame, as the driver does
  // The recorded MK2 replies, applied after every frame.
  std::ifstream in(std::string(GXLINK_TEST_DATA) + "/vebus/multi_replies.bin", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  PassiveDecoder pd;
  ByteView rest = as_bytes(bytes);
  while (!rest.empty()) {
    auto r = vb::take(rest);
    if (r.status == vb::TakeStatus::kNeedMore) break;
    rest = rest.subspan(r.consumed);
    if (r.status != vb::TakeStatus::kFrame) continue;
    pd.apply(r.frame);
    mapping.apply(pd.state(), true);
    model.flush();
  }
  // A three-phase system with everything known, then a lost link.
  vb::UnitState s = pd.state();
  s.phase_count = 3;
  for (auto& p : s.phases) {
    p = vb::PhaseValues{};
    p->in_v = p->out_v = 230;
    p->in_i = p->out_i = 1;
    p->in_f = p->out_f = 50;
  }
  mapping.apply(s, true);
  model.flush();
  mapping.apply(s, false);
  model.flush();
  EXPECT_EQ(probe.announced(), 1u);
  EXPECT_EQ(probe.late_paths(), "");
  // Issue 13, structure 2: every path is Venus' own, with Venus' unit.
  EXPECT_EQ(testing::venus_path_problems(model), "");
}

}  // namespace
}  // namespace gxlink::drivers::vebus
