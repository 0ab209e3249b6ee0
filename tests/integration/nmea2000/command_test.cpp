// SPDX-License-Identifier: MIT
// `gxlink nmea2000 vreg get|set` and `instance set` (issue 13 item 4) against the simulated
// BlueSolar MPPT 150/70 on a live bus: the MPPT sits behind a simulated slcan adapter on a pty
// (250 kbit/s, VE.Can), the command is the real binary opening `slcan:<pty>` from its own
// process. The simulator keeps its registers and instances between runs, so a second command
// sees what the first one changed.
#include <unistd.h>

#include <filesystem>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <asio.hpp>
#include <nlohmann/json.hpp>

#include "sim/nmea2000/vecan_sim.hpp"
#include "support/process.hpp"
#include "support/slcan_adapter_sim.hpp"

namespace gxlink {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint8_t kMpptAddress = 36;

class Nmea2000Command : public ::testing::Test {
 protected:
  /// `f()` on the simulators' thread.
  template <class F>
  auto on_io(F f) -> decltype(f()) {
    std::promise<decltype(f())> p;
    asio::post(io_, [&] { p.set_value(f()); });
    return p.get_future().get();
  }
  void SetUp() override {
    try {
      transport::Pty probe;
    } catch (const std::system_error& e) {
      GTEST_SKIP() << "no pty available: " << e.what();
    }
    dir_ = fs::temp_directory_path() /
           ("gxlink-n2kcmd-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    adapter_ =
        std::make_unique<test::SlcanAdapterSim>(io_, dir_ / "ttyACM0", '5', [this](TimePoint now) {
          if (mppt_) mppt_->tick(now);
        });
    mppt_ = std::make_unique<sim::nmea2000::VeCanDevice>(
        adapter_->bus(), sim::nmea2000::VeCanProduct::kMppt150_70, 0x4D2, kMpptAddress);
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
    // A device on a real bus has claimed its address long before anyone asks it something.
    ASSERT_TRUE(test::eventually([&] { return on_io([&] { return mppt_->session().can_send(); }); },
                                 std::chrono::seconds(10)));
  }
  void TearDown() override {
    if (thread_.joinable()) {
      asio::post(io_, [this] {
        adapter_->stop();
        work_.reset();
        io_.stop();
      });
      thread_.join();
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  /// Runs `gxlink nmea2000 <args> --interface slcan:<pty>`; returns the exit code and the output.
  std::pair<int, std::string> run(std::vector<std::string> args) const {
    std::vector<std::string> a = {GXLINK_BINARY, "--log-level", "warn", "nmea2000"};
    a.insert(a.end(), args.begin(), args.end());
    a.push_back("--interface");
    a.push_back("slcan:" + (dir_ / "ttyACM0").string());
    return test::run_command(a, std::chrono::seconds(30));
  }
  /// The --json object in the output (stdout and stderr share the captured file).
  static json object(const std::string& out) {
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);)
      if (!l.empty() && l.front() == '{') return json::parse(l, nullptr, false);
    return json();
  }
  /// Frames the adapter passed from the host.
  std::size_t frames_from_host() {
    return on_io([&] { return adapter_->frames_from_host(); });
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  fs::path dir_;
  std::unique_ptr<test::SlcanAdapterSim> adapter_;
  std::unique_ptr<sim::nmea2000::VeCanDevice> mppt_;
};

const std::string kDst = std::to_string(kMpptAddress);

TEST_F(Nmea2000Command, VregGetReadsARegister) {
  const auto [rc, out] = run({"vreg", "get", "--dst", kDst, "--reg", "0x2015", "--json"});
  ASSERT_EQ(rc, 0) << out;
  const json j = object(out);
  EXPECT_EQ(j["name"], "LINK_CHARGE_CURRENT_LIMIT") << out;
  EXPECT_DOUBLE_EQ(j["value"].get<double>(), 70.0);
  EXPECT_EQ(j["unit"], "A");
  EXPECT_EQ(j["raw"], "bc02");
  EXPECT_EQ(j["address"], 128);  // claimed its preferred address
  // Human-readable by default.
  const auto [rc2, text] = run({"vreg", "get", "--dst", kDst, "--reg", "0x0201"});
  EXPECT_EQ(rc2, 0) << text;
  EXPECT_NE(text.find("0x0201 DEVICE_STATE at 36: 3"), std::string::npos) << text;
}

TEST_F(Nmea2000Command, VregSetWritesAndReadsBack) {
  const auto [rc, out] =
      run({"vreg", "set", "--dst", kDst, "--reg", "0x2015", "--value", "45.5", "--json"});
  ASSERT_EQ(rc, 0) << out;
  const json j = object(out);
  EXPECT_DOUBLE_EQ(j["old"].get<double>(), 70.0) << out;
  EXPECT_DOUBLE_EQ(j["new"].get<double>(), 45.5);
  EXPECT_EQ(j["vack"], 0);
  EXPECT_EQ(j["confirmed"], true);
  // The device keeps it: a later read sees the new value; the text form shows old → new.
  const auto [rc2, text] = run({"vreg", "set", "--dst", kDst, "--reg", "0x2015", "--value", "30"});
  EXPECT_EQ(rc2, 0) << text;
  EXPECT_NE(text.find("45.5 A → 30.0 A (read back)"), std::string::npos) << text;
}

TEST_F(Nmea2000Command, RefusedWritesUnknownRegistersAndSilentDevicesExitOne) {
  auto [rc, out] = run({"vreg", "set", "--dst", kDst, "--reg", "0xEDD3", "--value", "1"});
  EXPECT_EQ(rc, 1) << out;  // yield today is read-only
  EXPECT_NE(out.find("command failed"), std::string::npos) << out;
  std::tie(rc, out) = run({"vreg", "get", "--dst", kDst, "--reg", "0x0382"});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("unknown register"), std::string::npos) << out;
  std::tie(rc, out) =
      run({"vreg", "get", "--dst", "0x30", "--reg", "0x2015", "--timeout", "0.5", "--json"});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_EQ(object(out)["ok"], false) << out;
  EXPECT_NE(object(out)["error"].get<std::string>().find("no answer from 48"), std::string::npos);
}

TEST_F(Nmea2000Command, InstanceSetIsAcknowledgedAndConfirmedByTheNextMessage) {
  auto [rc, out] = run({"instance", "set", "--dst", kDst, "--pgn", "127508", "--field", "1",
                        "--current", "0", "--new", "2", "--json"});
  ASSERT_EQ(rc, 0) << out;
  json j = object(out);
  EXPECT_EQ(j["acknowledged"], true) << out;
  EXPECT_EQ(j["confirmed"], true);
  EXPECT_EQ(j["field_name"], "Instance");
  // Instance 0 is gone now: the device refuses a write that selects it.
  std::tie(rc, out) = run({"instance", "set", "--dst", kDst, "--pgn", "127508", "--field", "1",
                           "--current", "0", "--new", "3"});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("invalid parameter field"), std::string::npos) << out;
  // And back, in text form.
  std::tie(rc, out) = run({"instance", "set", "--dst", kDst, "--pgn", "127508", "--field", "1",
                           "--current", "2", "--new", "0"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("2 → 0 (acknowledged, confirmed by the next 127508)"), std::string::npos)
      << out;
}

TEST_F(Nmea2000Command, DryRunPrintsTheFramesAndSendsNothing) {
  const auto [rc, out] =
      run({"vreg", "set", "--dst", kDst, "--reg", "0x2015", "--value", "12.5", "--dry-run"});
  ASSERT_EQ(rc, 0) << out;
  // Address claim from 0x80, VREQ, the write (0x007D = 12.5 A) and the read-back VREQ, addressed.
  EXPECT_NE(out.find(" 18EEFF80#"), std::string::npos) << out;
  EXPECT_NE(out.find(" 1CEF2480#669901001520FFFF"), std::string::npos) << out;
  EXPECT_NE(out.find(" 1CEF2480#669915207D00FFFF"), std::string::npos) << out;
  const auto [rc2, out2] = run({"instance", "set", "--dst", kDst, "--pgn", "127508", "--field", "1",
                                "--current", "0", "--new", "5", "--dry-run"});
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_NE(out2.find(" 0DED2480#000B0514F2010101"), std::string::npos) << out2;
  EXPECT_EQ(frames_from_host(), 0u);
  // Nothing changed on the device.
  const auto [rc3, out3] = run({"vreg", "get", "--dst", kDst, "--reg", "0x2015", "--json"});
  EXPECT_DOUBLE_EQ(object(out3)["value"].get<double>(), 70.0) << out3;
}

TEST_F(Nmea2000Command, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"vreg", "get", "--reg", "0x2015"},  // no --dst
        {"vreg", "get", "--dst", "254", "--reg", "0x2015"},
        {"vreg", "get", "--dst", kDst, "--reg", "0x1FFFF"},
        {"vreg", "set", "--dst", kDst, "--reg", "0x2015", "--value", "9999"},
        {"vreg", "set", "--dst", kDst, "--reg", "0x0999", "--value", "1"},  // type unknown
        {"instance", "set", "--dst", kDst, "--pgn", "127508", "--field", "9", "--current", "0",
         "--new", "1"}}) {
    const auto [rc, out] = run(args);
    EXPECT_EQ(rc, 2) << args[0] << ' ' << args[1] << ": " << out;
  }
  EXPECT_EQ(frames_from_host(), 0u);
}

}  // namespace
}  // namespace gxlink
