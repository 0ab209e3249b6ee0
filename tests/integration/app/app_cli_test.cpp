// SPDX-License-Identifier: MIT
// The gxlink binary as a user runs it: `run` serves /api/model and the dashboard, bad configs are
// refused with a reason, `decode`/`snapshot` follow DESIGN.md's contracts.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;
using test::Process;

TEST(AppCli, DemoServesTheModelAndTheDashboardOnLoopback) {
  const int port = test::free_tcp_port();
  Process gx({GXLINK_BINARY, "run", "--demo", "--no-tui", "--dbus", "none", "--http",
              "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  nlohmann::json model;
  ASSERT_TRUE(test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        if (!res || res->status != 200) return false;
        model = nlohmann::json::parse(res->body, nullptr, false);
        return model.is_object();
      },
      10s))
      << gx.output();
  for (auto& [name, paths] : model.items()) {
    EXPECT_TRUE(name.starts_with("com.victronenergy.")) << name;
    EXPECT_TRUE(paths.contains("/DeviceInstance")) << name;
  }
  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  // The page and its script, which takes live values from the event stream (issue 15).
  EXPECT_NE(page->body.find("/assets/app.js"), std::string::npos);
  auto script = cli.Get("/assets/app.js");
  ASSERT_TRUE(script);
  EXPECT_NE(script->body.find("/api/events"), std::string::npos);
  EXPECT_EQ(cli.Get("/api/service/com.victronenergy.nope")->status, 404);
  EXPECT_TRUE(gx.running());
  EXPECT_EQ(gx.stop(), 0) << gx.output();
}

TEST(AppCli, ABrokenConfigIsRefusedWithFileAndLine) {
  auto path = std::filesystem::temp_directory_path() /
              ("gxlink-bad-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[http]\nlisten = \n";
  auto [code, out] =
      test::run_command({GXLINK_BINARY, "run", "--config", path.string(), "--no-tui"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find(path.string() + ":2"), std::string::npos) << out;
  std::filesystem::remove(path);
}

// Runs `gxlink run` on a config, in a fresh TMPDIR so that a run directory left behind shows.
struct ConfigRun {
  int code = -1;
  std::string out;
  std::string file;
  bool tmp_empty = false;
};

ConfigRun run_config(const std::string& text, std::vector<std::string> extra = {}) {
  char tmpl[] = "/tmp/gxlink-cfgtest-XXXXXX";
  const std::filesystem::path tmp = ::mkdtemp(tmpl);
  const auto dir = tmp / "etc";
  std::filesystem::create_directories(dir);
  ConfigRun r;
  r.file = (dir / "gxlink.toml").string();
  std::ofstream(r.file) << text;
  std::vector<std::string> argv{"env",
                                "TMPDIR=" + tmp.string(),
                                "GXLINK_CONFIG=" + r.file,
                                GXLINK_BINARY,
                                "run",
                                "--no-tui",
                                "--dbus",
                                "none",
                                "--duration",
                                "30"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::tie(r.code, r.out) = test::run_command(argv, 20s);
  std::filesystem::remove_all(dir);
  r.tmp_empty = std::filesystem::is_empty(tmp);
  std::filesystem::remove_all(tmp);
  return r;
}

// Issue 11 item 6: each of these was ignored or fell back to a default, and the daemon ran on.
TEST(AppCli, ConfigErrorsStopTheDaemonWithFileAndLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"[http]\nlisen = \"127.0.0.1:8088\"\n", ":2:1: unknown key 'lisen' in [http]"},
      {"[dbus]\n\n[vedirekt]\nport = \"/dev/ttyUSB7\"\n", ":3:2: unknown section [vedirekt]"},
      {"[http]\nlisten = 18104\n", ":2:10: expected a string for 'listen' in [http]"},
      {"[http]\nlisten = \"127.0.0.1:-1\"\n", ":2:10: 'listen' in [http]: bad port"},
      {"[[vedirect]]\nport = \"/dev/ttyUSB7\"\ntimeout_s = 0\n",
       ":3:13: 'timeout_s' in [[vedirect]] is 0"},
      {"[[canopen]]\ninterface = \"can7\"\nnodes = [0]\n",
       ":3:9: 'nodes' in [[canopen]]: nodes[0]"},
      {"[[vedirect]]\nport = \"/dev/ttyUSB7\"\n[[vebus]]\nport = \"/dev/ttyUSB7\"\n",
       ":4:8: serial port '/dev/ttyUSB7' of [[vebus]] is already used by [[vedirect]]"},
  };
  for (const auto& [text, expected] : cases) {
    const auto r = run_config(text);
    EXPECT_EQ(r.code, 2) << text << r.out;
    EXPECT_NE(r.out.find(r.file + expected), std::string::npos) << text << r.out;
    EXPECT_EQ(r.out.find("driver "), std::string::npos) << "a driver was built: " << r.out;
    EXPECT_TRUE(r.tmp_empty) << "run directory left behind: " << text;
  }
}

// Issue 11 item 4: a bad port on the command line aborted the daemon (exit 134) after the drivers
// started and left the run directory behind.
TEST(AppCli, ABadCommandLinePortIsRefusedBeforeAnythingStarts) {
  for (const char* http : {"127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:http"}) {
    const auto r = run_config("[general]\ndemo = true\n", {"--http", http});
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find(std::string("--http ") + http + ": "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("driver "), std::string::npos) << r.out;
    EXPECT_TRUE(r.tmp_empty) << "run directory left behind";
  }
  const auto m = run_config("", {"--mqtt", "127.0.0.1:abc"});
  EXPECT_EQ(m.code, 2) << m.out;
  EXPECT_NE(m.out.find("--mqtt 127.0.0.1:abc"), std::string::npos) << m.out;
}

TEST(AppCli, CheckConfigValidatesWithoutStarting) {
  auto ok = test::run_command({GXLINK_BINARY, "run", "--check-config", "--config",
                               GXLINK_SOURCE "/config/gxlink.example.toml"});
  EXPECT_EQ(ok.first, 0) << ok.second;
  EXPECT_NE(ok.second.find("config OK"), std::string::npos) << ok.second;

  const auto bad = run_config("[http]\nlisen = 1\n[mqtt]\nport = 0\n", {"--check-config"});
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find(bad.file + ":2:1: unknown key 'lisen'"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find(bad.file + ":4:8: 'port' in [mqtt] is 0"), std::string::npos) << bad.out;
  EXPECT_EQ(bad.out.find("config OK"), std::string::npos) << bad.out;

  // Overrides are checked too, and a good config with no overrides passes without starting.
  const auto over = run_config("[general]\n", {"--check-config", "--http", "127.0.0.1:99999"});
  EXPECT_EQ(over.code, 2) << over.out;
  const auto fine = run_config("[general]\n", {"--check-config"});
  EXPECT_EQ(fine.code, 0) << fine.out;
  EXPECT_NE(fine.out.find("config OK"), std::string::npos) << fine.out;
  EXPECT_TRUE(fine.tmp_empty);
}

TEST(AppCli, UnknownProtocolAndSourceKindsAreUsageErrors) {
  auto [c1, o1] = test::run_command({GXLINK_BINARY, "decode", "smoke-signals", "-"});
  EXPECT_EQ(c1, 2);
  EXPECT_NE(o1.find("unknown protocol"), std::string::npos);
  auto [c2, o2] = test::run_command({GXLINK_BINARY, "snapshot", "nope:/dev/null"});
  EXPECT_EQ(c2, 2);
}

TEST(AppCli, SnapshotOfADbusRecordingIsTheRecordedFinalState) {
  const std::string file = GXLINK_SHARED_DATA "/dbus/dbus-recorder/battery.csv";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "../shared/data is not present";
  auto [code, out] = test::run_command({GXLINK_BINARY, "snapshot", "dbus-recording:" + file});
  ASSERT_EQ(code, 0) << out;
  auto j = nlohmann::json::parse(out.substr(0, out.rfind('}') + 1), nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  auto& s = j["com.victronenergy.battery.ttyO0"];
  EXPECT_EQ(s["/ProductName"], "BMV-702");
  EXPECT_TRUE(s["/HardwareVersion"].is_null());  // ARRAY [] is Venus' invalid
  // The last recorded /Soc change in battery.csv wins over its initial value.
  std::ifstream in(file);
  std::string line, last_soc;
  while (std::getline(in, line))
    if (line.starts_with("/Soc\t") || line.find("\t/Soc\t") != std::string::npos) last_soc = line;
  ASSERT_FALSE(last_soc.empty());
  auto value_col = last_soc.substr(last_soc.find("DOUBLE\t") + 7);
  EXPECT_NEAR(s["/Soc"].get<double>(), std::stod(value_col.substr(0, value_col.find('\t'))), 1e-9);
}

}  // namespace
}  // namespace gxlink
