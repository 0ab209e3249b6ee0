// SPDX-License-Identifier: MIT
// Both CAN-bus BMS roles end to end through slcan, with python-can (Debian python3-can) as the peer
// on the other end of a socat pty pair (issue 3, "Real peers in tests"). Skips cleanly when
// /usr/bin/python3 cannot import can and serial, or socat is missing.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "drivers/canbms/bms_driver.hpp"
#include "drivers/canbms/gx_driver.hpp"
#include "transport/slcan_transport.hpp"

namespace gxlink {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// A child process with stdout/stderr to files; killed (its own process group) on destruction.
struct Child {
  pid_t pid = -1;
  int status = -1;
  Child(std::vector<std::string> argv, const fs::path& out, const fs::path& err) {
    pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, 1);
      ::dup2(e, 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  bool exited() {
    if (pid <= 0) return true;
    if (status >= 0) return true;
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      status = st;
      return true;
    }
    return false;
  }
  ~Child() {
    if (pid > 0 && !exited()) {
      ::kill(-pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

bool command_ok(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class SlcanPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!command_ok("/usr/bin/python3 -c 'import can, serial'"))
      GTEST_SKIP() << "python3-can / python3-serial not installed for /usr/bin/python3";
    if (!command_ok("command -v socat")) GTEST_SKIP() << "socat not installed";
    dir_ = fs::temp_directory_path() /
           ("gxlink-slcan-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    socat_ = std::make_unique<Child>(
        std::vector<std::string>{"socat", "pty,raw,echo=0,link=" + (dir_ / "gx").string(),
                                 "pty,raw,echo=0,link=" + (dir_ / "peer").string()},
        dir_ / "socat.out", dir_ / "socat.err");
    for (int i = 0; i < 200 && !(fs::exists(dir_ / "gx") && fs::exists(dir_ / "peer")); ++i)
      ::usleep(25000);
    ASSERT_TRUE(fs::exists(dir_ / "gx") && fs::exists(dir_ / "peer"))
        << read_file(dir_ / "socat.err");
  }
  void TearDown() override {
    socat_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // Runs `io` while the peer runs (at most 60 s); `each` is called about every 50 ms.
  json run_peer(const std::string& role, double duration_s, asio::io_context& io,
                const std::function<void()>& each) {
    Child peer({"/usr/bin/python3", GXLINK_SLCAN_PEER, role, (dir_ / "peer").string(),
                std::to_string(duration_s)},
               dir_ / "peer.out", dir_ / "peer.err");
    const auto deadline = Clock::now() + seconds(60);
    while (!peer.exited() && Clock::now() < deadline) {
      io.run_for(milliseconds(50));
      if (io.stopped()) io.restart();
      each();
    }
    EXPECT_TRUE(peer.exited()) << "peer did not finish";
    const std::string out = read_file(dir_ / "peer.out");
    EXPECT_FALSE(out.empty()) << "peer stderr: " << read_file(dir_ / "peer.err");
    if (out.empty()) return json::object();
    return json::parse(out);
  }

  transport::SlcanOptions slcan() const {
    transport::SlcanOptions o;
    o.path = (dir_ / "gx").string();
    o.interface_name = "slcan0";
    return o;
  }

  fs::path dir_;
  std::unique_ptr<Child> socat_;
};

TEST_F(SlcanPeer, GxRoleReceivesAPythonCanBatteryAndSendsKeepalives) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  drivers::canbms::GxDriver gx(ctx, std::make_unique<transport::SlcanTransport>(io, slcan()));
  gx.start();
  const json peer = run_peer("battery", 4.0, io, [] {});
  gx.stop();

  // What the peer (a battery) sent reached the model.
  const model::Service* s = model.find("com.victronenergy.battery.socketcan_slcan0");
  ASSERT_NE(s, nullptr) << peer.dump();
  EXPECT_EQ(s->get("/Info/MaxChargeVoltage"), model::Value{56.8});
  EXPECT_EQ(s->get("/Info/MaxChargeCurrent"), model::Value{100.0});
  EXPECT_EQ(s->get("/Info/MaxDischargeCurrent"), model::Value{150.0});
  EXPECT_EQ(s->get("/Info/BatteryLowVoltage"), model::Value{46.0});
  EXPECT_EQ(s->get("/Soc"), model::Value{77.0});
  EXPECT_EQ(s->get("/Soh"), model::Value{96.0});
  EXPECT_EQ(s->get("/Dc/0/Voltage"), model::Value{53.21});
  EXPECT_EQ(s->get("/Dc/0/Current"), model::Value{-12.3});
  EXPECT_EQ(s->get("/Dc/0/Temperature"), model::Value{25.4});
  EXPECT_EQ(s->get("/Alarms/HighVoltage"), model::Value{std::int64_t{2}});
  EXPECT_EQ(s->get("/Alarms/LowVoltage"), model::Value{std::int64_t{0}});
  EXPECT_EQ(s->get("/Alarms/CellImbalance"), model::Value{std::int64_t{0}});
  EXPECT_EQ(s->get("/ProductName"), model::Value{std::string("PEERBAT")});
  EXPECT_GE(gx.session().stats().unknown_ids, 1u);  // the peer's 0x354

  // What gxlink (the GX) sent was decoded by python-can: 0x305 and 0x307 'VIC' about once a second.
  ASSERT_TRUE(peer.contains("received")) << peer.dump();
  const auto& rx = peer["received"];
  ASSERT_TRUE(rx.contains("0x305")) << peer.dump();
  ASSERT_TRUE(peer.contains("limits"));
  ASSERT_TRUE(rx.contains("0x307")) << peer.dump();
  EXPECT_GE(rx["0x305"]["count"].get<int>(), 2);
  EXPECT_LE(rx["0x305"]["count"].get<int>(), 6);
  EXPECT_EQ(rx["0x305"]["last"]["hex"], "0000000000000000");
  EXPECT_EQ(rx["0x307"]["last"]["hex"], "1234567856494300");
}

TEST_F(SlcanPeer, BmsRoleIsDecodedByAPythonCanInverterIncludingTheFailSafe) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = "ttyUSB0";
  model::Service& src = model.add_service(spec);
  src.set("/Dc/0/Voltage", 26.71);
  src.set("/Dc/0/Current", -4.2);
  src.set("/Dc/0/Temperature", 19.5);
  src.set("/Soc", 64.0);
  src.set("/Soh", 99.0);
  model.flush();

  drivers::canbms::BmsDriverOptions o;
  o.source_service = "com.victronenergy.battery.ttyUSB0";
  o.limits = {28.2, 50.0, 80.0, std::nullopt};
  o.session.failsafe_hold = seconds(1);
  drivers::canbms::BmsDriver bms(ctx, std::make_unique<transport::SlcanTransport>(io, slcan()), o);
  bms.start();
  // The peer's clock starts when python is up, which takes a while under load: count from the
  // first 0x305 the BMS role receives, not from here.
  std::optional<TimePoint> peer_up;
  bool lost = false;
  const json peer = run_peer("inverter", 7.0, io, [&] {
    model.flush();
    if (!peer_up && bms.session().inverter_link(Clock::now()) == canbms::InverterLink::kOk)
      peer_up = Clock::now();
    const double t = peer_up ? to_seconds(Clock::now() - *peer_up) : 0.0;
    if (t < 2.5) {
      src.set("/Dc/0/Voltage", 26.71 + (static_cast<int>(t * 20) % 2) * 0.01);  // fresh data
    } else if (!lost) {
      src.set("/Connected", std::int64_t{0});  // the source battery is gone
      lost = true;
    }
  });
  const bool linked = bms.session().inverter_link(Clock::now()) == canbms::InverterLink::kOk;
  const bool victron = bms.session().inverter_is_victron();
  const auto state = bms.session().state();
  bms.stop();

  ASSERT_TRUE(peer.contains("received")) << peer.dump();
  const auto& rx = peer["received"];
  for (const char* id : {"0x351", "0x355", "0x356", "0x35A", "0x35E", "0x35F"})
    ASSERT_TRUE(rx.contains(id)) << id << " missing: " << peer.dump();
  EXPECT_EQ(rx["0x355"]["last"]["soc"], 64);
  EXPECT_EQ(rx["0x355"]["last"]["soh"], 99);
  EXPECT_DOUBLE_EQ(rx["0x356"]["last"]["current"].get<double>(), -4.2);
  EXPECT_DOUBLE_EQ(rx["0x356"]["last"]["temperature"].get<double>(), 19.5);
  EXPECT_EQ(rx["0x35E"]["last"]["text"], "GXLINK");

  // 0x351: the configured limits about once a second, then CCL = DCL = 0 with CVL kept, then
  // silence.
  const auto& limits = peer["limits"];
  ASSERT_GE(limits.size(), 3u) << peer.dump();
  std::size_t normal = 0, zero = 0;
  bool zero_seen = false;
  for (const auto& l : limits) {
    EXPECT_DOUBLE_EQ(l["cvl"].get<double>(), 28.2);
    const bool z = l["ccl"].get<double>() == 0.0 && l["dcl"].get<double>() == 0.0;
    if (z) {
      ++zero;
      zero_seen = true;
    } else {
      EXPECT_FALSE(zero_seen) << "normal limits after the fail-safe began";
      EXPECT_DOUBLE_EQ(l["ccl"].get<double>(), 50.0);
      EXPECT_DOUBLE_EQ(l["dcl"].get<double>(), 80.0);
      ++normal;
    }
  }
  EXPECT_GE(normal, 2u);
  EXPECT_GE(zero, 1u);
  // Silence after the 1 s hold: the last 0x351 came well before the peer stopped listening.
  EXPECT_LT(limits.back()["t"].get<double>(), peer["duration"].get<double>() - 1.5) << peer.dump();
  EXPECT_TRUE(lost);
  EXPECT_EQ(state, canbms::BmsState::kStopped);
  EXPECT_TRUE(linked);  // the peer's 0x305 reached the BMS role
  EXPECT_TRUE(victron);
}

}  // namespace
}  // namespace gxlink
