// SPDX-License-Identifier: MIT
// `gxlink sim ess` through the built binary (DESIGN.md): exit code, --json, the trace's columns and
// units, the SVG plot.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace {
using nlohmann::json;

struct Result {
  int code;
  std::string out;
};

Result run(const std::string& args) {
  auto [code, out] =
      gxlink::test::run_shell(std::string(GXLINK_BINARY) + " sim ess " + args + " 2>/dev/null");
  return {code, std::move(out)};
}

/// The same with stderr in `out` (stdout dropped): where usage errors go.
Result run_with_stderr(const std::string& args) {
  auto [code, out] =
      gxlink::test::run_shell(std::string(GXLINK_BINARY) + " sim ess " + args + " 2>&1 >/dev/null");
  return {code, std::move(out)};
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> v;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) v.push_back(f);
  return v;
}

TEST(SimEssCli, ControllerPassesWithJsonTraceAndPlot) {
  const std::string dir = ::testing::TempDir();
  const auto r =
      run("--scenario imbalance --policy controller --cells 15 --imbalance-mv 60 --json "
          "--trace " +
          dir + "/ess.csv --plot " + dir + "/ess.svg");
  ASSERT_EQ(r.code, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["cells"], 15);
  EXPECT_EQ(j["imbalance_mv"], 60);
  EXPECT_TRUE(j["metrics"].contains("max_cell_v"));
  for (const auto& c : j["checks"]) EXPECT_TRUE(c["pass"].get<bool>()) << c.dump();

  std::ifstream csv(dir + "/ess.csv");
  std::string header;
  ASSERT_TRUE(std::getline(csv, header));
  const auto cols = split(header);
  const std::vector<std::string> contract{"t_s",        "cvl_v",    "ccl_a",  "dcl_a",
                                          "pack_v",     "pack_i_a", "soc",    "cell_min_v",
                                          "cell_max_v", "pv_w",     "load_w", "grid_w"};
  for (std::size_t i = 0; i < contract.size(); ++i) EXPECT_EQ(cols.at(i), contract[i]);
  std::size_t rows = 0;
  double last_t = -1;
  bool charged = false, fed_in = false;
  for (std::string line; std::getline(csv, line); ++rows) {
    const auto f = split(line);
    ASSERT_EQ(f.size(), cols.size());
    const double t = std::stod(f[0]);
    EXPECT_DOUBLE_EQ(t, last_t + 1);  // one row per simulated second
    last_t = t;
    const double soc = std::stod(f[6]);
    EXPECT_TRUE(soc > 1 && soc <= 101) << soc;  // percent, not a fraction
    charged |= std::stod(f[5]) > 10;            // amperes, charging positive
    fed_in |= std::stod(f[11]) < -100;          // watts, export negative
    EXPECT_LE(std::stod(f[7]), std::stod(f[8]));
  }
  EXPECT_EQ(rows, 4u * 3600 + 1);
  EXPECT_TRUE(charged);
  EXPECT_TRUE(fed_in);

  std::ifstream svg(dir + "/ess.svg");
  std::stringstream s;
  s << svg.rdbuf();
  EXPECT_NE(s.str().find("<svg"), std::string::npos);
  EXPECT_NE(s.str().find("</svg>"), std::string::npos);
  EXPECT_NE(s.str().find("<polyline"), std::string::npos);
}

TEST(SimEssCli, NaivePolicyFailsWithExitOne) {
  const auto r = run("--scenario feed-in --policy naive-static --cells 8 --hours 3 --json");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(json::parse(r.out)["verdict"], "fail");
}

// A usage error is neither a pass (0) nor a fail (1): it exits 2 with a message naming the
// option, as does an unwritable output file.
TEST(SimEssCli, BadArgumentsExitTwoWithAMessage) {
  for (const char* args : {"--scenario nope", "--cells 3", "--cells 17", "--chemistry lead",
                           "--policy smart", "--hours 0", "--imbalance-mv -1", "--bogus"}) {
    const auto r = run_with_stderr(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_FALSE(r.out.empty()) << args;
  }
  EXPECT_NE(run_with_stderr("--cells 3").out.find("--cells"), std::string::npos);
  EXPECT_NE(run_with_stderr("--scenario nope").out.find("--scenario"), std::string::npos);
  EXPECT_EQ(run("--trace /nonexistent/dir/x.csv --hours 0.01").code, 2);
  // --help is not an error.
  EXPECT_EQ(run("--help").code, 0);
}

// The same mapping holds for every subcommand (src/app/main.cpp).
TEST(GxlinkCli, UsageErrorsExitTwoForEverySubcommand) {
  for (const char* args :
       {"modbus-map --format xml", "decode", "no-such-command", "sim", "run --no-such-option"}) {
    const int status =
        std::system((std::string(GXLINK_BINARY) + " " + args + " >/dev/null 2>&1").c_str());
    ASSERT_TRUE(WIFEXITED(status)) << args;
    EXPECT_EQ(WEXITSTATUS(status), 2) << args;
  }
}

}  // namespace
