// SPDX-License-Identifier: MIT
// Golden snapshots (STYLE.md rule 20): each shared capture through the real driver into a fresh
// model, compared with the committed tests/data/vedirect/<capture>.golden.json. Skips cleanly when
// the shared data folder is absent. GXLINK_UPDATE_GOLDEN=1 rewrites the goldens.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <asio/io_context.hpp>

#include "drivers/vedirect/vedirect_driver.hpp"
#include "model/model_json.hpp"
#include "unit/vedirect/test_util.hpp"

namespace gxlink::drivers::vedirect {
namespace {

struct GoldenCase {
  const char* file;
  std::size_t blocks, bad_blocks, hex;
};

class VeDirectGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(VeDirectGolden, CaptureSnapshotMatchesGoldenAndManifestCounts) {
  if (!gxlink::vedirect::test::shared_data_available()) GTEST_SKIP() << "shared data not present";
  const auto c = GetParam();
  const auto path = gxlink::vedirect::test::shared_capture(c.file);
  const std::string bytes = gxlink::vedirect::test::read_file(path);
  asio::io_context io;
  model::Model m;
  model::DeviceInstances inst;
  DriverContext ctx{io, m, inst};
  VeDirectOptions o;
  o.connection = path.stem().string();
  VeDirectDriver d(ctx, o);
  // Fed in 997-byte pieces, as a serial port would deliver them.
  const ByteView all = as_bytes(bytes);
  for (std::size_t off = 0; off < all.size(); off += 997)
    d.on_bytes(all.subspan(off, std::min<std::size_t>(997, all.size() - off)),
               TimePoint(seconds(1)));
  m.flush();
  // MANIFEST.md: every checksum-valid block decoded, no invalid one.
  EXPECT_EQ(d.stats().blocks, c.blocks);
  EXPECT_EQ(d.stats().bad_blocks, c.bad_blocks);
  EXPECT_EQ(d.stats().hex_frames, c.hex);
  EXPECT_EQ(d.stats().bad_hex, 0u);
  EXPECT_EQ(d.stats().bad_values, 0u);
  ASSERT_NE(d.service(), nullptr);

  const auto got = model::to_json(m);
  const auto golden_path = std::filesystem::path(GXLINK_TEST_DATA) / "vedirect" /
                           (path.stem().string() + ".golden.json");
  if (std::getenv("GXLINK_UPDATE_GOLDEN")) {
    std::ofstream(golden_path) << got.dump(2) << '\n';
    GTEST_SKIP() << "golden rewritten: " << golden_path;
  }
  std::ifstream in(golden_path);
  ASSERT_TRUE(in) << "missing golden " << golden_path;
  const auto want = nlohmann::json::parse(in);
  EXPECT_EQ(got, want) << got.dump(2);
}

INSTANTIATE_TEST_SUITE_P(SharedCaptures, VeDirectGolden,
                         ::testing::Values(GoldenCase{"karioja_bvm702.dump", 906, 0, 0},
                                           GoldenCase{"karioja_smartsolar_1.39.dump", 493, 1, 2},
                                           GoldenCase{"karioja_bluesolar_1.23.dump", 247, 1, 7}));

}  // namespace
}  // namespace gxlink::drivers::vedirect
