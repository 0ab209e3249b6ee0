// SPDX-License-Identifier: MIT
// Issue 13, conformance 1: the CANopen node and bank services are announced with every path they
// will publish. Before, /CanOpen/* (NMT state, EMCY, updates) and the bank's /System/* counts
// appeared after the announcement. The captures replay as `gxlink snapshot canopen:` does, with
// a model flush after every frame.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "drivers/canopen/canopen_bank.hpp"
#include "support/path_set_probe.hpp"
#include "support/venus_paths.hpp"
#include "transport/candump.hpp"

namespace gxlink::drivers::canopen {
namespace {

std::string replay(const std::string& file, std::size_t& announced) {
  model::Model model;
  model::DeviceInstances instances;
  testing::PathSetProbe probe(model);
  CanopenConfig cfg;
  cfg.listen_only = true;
  cfg.interface = "capture";
  std::unique_ptr<CanopenBank> bank;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto l = transport::parse_candump_line(line);
    if (!l || !*l || !(*l)->timestamp) continue;
    const TimePoint now = time_from_seconds(*(*l)->timestamp);
    if (!bank) {
      bank = std::make_unique<CanopenBank>(model, instances, cfg,
                                           [](const CanFrame&) { return false; });
      bank->start(now);
    }
    if (auto d = bank->next_deadline(); d && *d <= now) bank->on_tick(now);
    bank->on_frame((*l)->frame, now);
    model.flush();
  }
  announced = probe.announced();
  // Issue 13, structure 2: every path is Venus' own, with Venus' unit.
  return probe.late_paths() + testing::venus_path_problems(model);
}

TEST(CanopenPathSet, NodesAndBankAreAnnouncedWithEveryPath) {
  for (const char* f : {"superb_bank.candump", "superb_bank_narrow.candump"}) {
    std::size_t announced = 0;
    EXPECT_EQ(replay(std::string(GXLINK_TEST_DATA) + "/canopen/" + f, announced), "") << f;
    EXPECT_EQ(announced, 3u) << f;  // two nodes and the bank
  }
}

// Issue 13, conformance 2: each narrower answer is counted for its object (and node), nothing else.
TEST(CanopenNarrowAnswers, AreCountedPerObject) {
  model::Model model;
  model::DeviceInstances instances;
  CanopenConfig cfg;
  cfg.listen_only = true;
  cfg.interface = "capture";
  CanopenBank bank(model, instances, cfg, [](const CanFrame&) { return false; });
  std::ifstream in(std::string(GXLINK_TEST_DATA) + "/canopen/superb_bank_narrow.candump");
  std::string line;
  bool started = false;
  while (std::getline(in, line)) {
    auto l = transport::parse_candump_line(line);
    if (!l || !*l || !(*l)->timestamp) continue;
    const TimePoint now = time_from_seconds(*(*l)->timestamp);
    if (!started) bank.start(now);
    started = true;
    if (auto d = bank.next_deadline(); d && *d <= now) bank.on_tick(now);
    bank.on_frame((*l)->frame, now);
  }
  std::size_t voltage = 0;
  while (bank.config().objects[voltage].index != 0x6060) ++voltage;
  std::uint64_t total = 0;
  for (std::uint8_t node : {std::uint8_t{1}, std::uint8_t{2}}) {
    EXPECT_GT(bank.narrow_answers(node, voltage), 0u) << int{node};
    total += bank.narrow_answers(node, voltage);
    for (std::size_t o = 0; o < bank.config().objects.size(); ++o)
      if (o != voltage) {
        EXPECT_EQ(bank.narrow_answers(node, o), 0u) << o;
      }
  }
  EXPECT_EQ(total, 11u);  // every 0x6060 answer in the capture
  EXPECT_EQ(bank.stats().narrow_answers, total);
  const auto* n1 = model.find(bank.node_service_name(1));
  ASSERT_NE(n1, nullptr);
  EXPECT_EQ(model::as_int(n1->get("/CanOpen/NarrowAnswers")),
            static_cast<std::int64_t>(bank.narrow_answers(1, voltage)));
}

}  // namespace
}  // namespace gxlink::drivers::canopen
