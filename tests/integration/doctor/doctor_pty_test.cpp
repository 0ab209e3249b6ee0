// SPDX-License-Identifier: MIT
// `gxlink doctor` finds simulated devices on ptys and writes a config that runs them: a SmartSolar
// MPPT and a SmartShunt (VE.Direct), a Multi behind an MK3 (VE.Bus), and an slcan adapter with a
// CAN-bus BMS battery on its bus. The simulators run in this process on their own io_context
// thread; doctor and the daemon are the real binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <asio.hpp>
#include <nlohmann/json.hpp>

#include "sim/canbms/battery_sim.hpp"
#include "sim/vebus/pty_multi_sim.hpp"
#include "sim/vedirect/devices.hpp"
#include "sim/vedirect/pty_device.hpp"
#include "support/process.hpp"
#include "support/slcan_adapter_sim.hpp"
#include "transport/pty.hpp"
#include "transport/slcan_codec.hpp"

namespace gxlink {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// A simulated slcan adapter (tests/support/slcan_adapter_sim.hpp) with a CAN-bus BMS battery on
// its bus: the battery steps on the adapter's 100 ms tick.
class SlcanAdapterSim {
 public:
  SlcanAdapterSim(asio::io_context& io, const fs::path& link, char bus_rate = '6')
      : adapter_(io, link, bus_rate, [this](TimePoint now) { battery_.step(now); }),
        battery_(adapter_.bus()) {}
  std::size_t opens() const { return adapter_.opens(); }
  std::size_t version_queries() const { return adapter_.version_queries(); }
  void stop() { adapter_.stop(); }

 private:
  test::SlcanAdapterSim adapter_;
  sim::canbms::BatterySim battery_;
};

std::string http_get(int port, const char* path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = std::string("GET ") + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : out.substr(body + 4);
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class DoctorOnPtys : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      transport::Pty probe;
    } catch (const std::system_error& e) {
      GTEST_SKIP() << "no pty available: " << e.what();
    }
    dir_ = fs::temp_directory_path() /
           ("gxlink-doctor-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    mppt_ = std::make_unique<sim::vedirect::PtyDevice>(
        io_, std::make_unique<sim::vedirect::MpptSimulator>(), dir_ / "ttyUSB0");
    shunt_ = std::make_unique<sim::vedirect::PtyDevice>(
        io_, std::make_unique<sim::vedirect::SmartShuntSimulator>(), dir_ / "ttyUSB1");
    mppt_->start();
    shunt_->start();
    multi_ = std::make_unique<sim::vebus::PtyMultiSim>(io_);
    fs::create_symlink(multi_->slave_path(), dir_ / "ttyUSB2");
    adapter_ = std::make_unique<SlcanAdapterSim>(io_, dir_ / "ttyACM0");
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      asio::post(io_, [this] {
        mppt_->stop();
        shunt_->stop();
        multi_->stop();
        adapter_->stop();
        if (slow_) slow_->stop();
        work_.reset();
        io_.stop();
      });
      thread_.join();
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  std::vector<std::string> doctor_args(bool allow_writes) const {
    std::vector<std::string> a = {GXLINK_BINARY, "--log-level", "warn",  "doctor",
                                  "--seconds",   "3",           "--json"};
    for (const char* tty : {"ttyUSB0", "ttyUSB1", "ttyUSB2"}) {
      a.push_back("--port");
      a.push_back((dir_ / tty).string());
    }
    a.push_back("--can");
    a.push_back("slcan:" + (dir_ / "ttyACM0").string());
    if (allow_writes) a.push_back("--allow-writes");
    return a;
  }

  static json parse_report(const std::string& out) {
    // stdout and stderr share the captured file; the report is the JSON object in it.
    const auto start = out.find("{\n");
    const auto end = out.rfind("\n}");
    if (start == std::string::npos || end == std::string::npos) return json();
    return json::parse(out.substr(start, end + 2 - start), nullptr, false);
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  fs::path dir_;
  std::unique_ptr<sim::vedirect::PtyDevice> mppt_, shunt_;
  std::unique_ptr<sim::vebus::PtyMultiSim> multi_;
  std::unique_ptr<SlcanAdapterSim> adapter_, slow_;  // slow_: a 250 kbit/s bus, one test only
};

TEST_F(DoctorOnPtys, AnSlcanBusSilentAt500kIsTriedAt250k) {
  // A second adapter whose bus runs at 250 kbit/s; asked for its version on a plain --port, since
  // nothing else answers there (--allow-writes).
  asio::post(io_, [&] { slow_ = std::make_unique<SlcanAdapterSim>(io_, dir_ / "ttyACM1", '5'); });
  ASSERT_TRUE(
      test::eventually([&] { return fs::is_symlink(dir_ / "ttyACM1"); }, std::chrono::seconds(5)));
  const auto [rc, out] =
      test::run_command({GXLINK_BINARY, "--log-level", "warn", "doctor", "--seconds", "2", "--json",
                         "--allow-writes", "--port", (dir_ / "ttyACM1").string()});
  EXPECT_EQ(rc, 0) << out;
  const json report = parse_report(out);
  ASSERT_TRUE(report.is_object()) << out;
  EXPECT_EQ(report["ports"][0]["found"], "slcan") << out;
  EXPECT_EQ(report["ports"][0]["slcan"]["version"], "V1013");
  ASSERT_EQ(report["can"].size(), 1u) << out;
  EXPECT_EQ(report["can"][0]["bitrate"], 250000) << out;
  EXPECT_EQ(report["can"][0]["canbms"]["found"], true);
  EXPECT_NE(report["config"].get<std::string>().find("@250000\""), std::string::npos);
}

TEST_F(DoctorOnPtys, FindsEachSimulatedDeviceAndWritesAConfigThatRunsThem) {
  const fs::path config = dir_ / "gxlink.toml";
  auto args = doctor_args(true);
  args.push_back("--write-config");
  args.push_back(config.string());
  const auto t0 = std::chrono::steady_clock::now();
  const auto [rc, out] = test::run_command(args);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("gxlink doctor --seconds 3 on 4 ptys took %.2f s\n", took);  // measured, not asserted
  RecordProperty("doctor_seconds", std::to_string(took));
  ASSERT_EQ(rc, 0) << out;
  const json report = parse_report(out);
  ASSERT_TRUE(report.is_object()) << out;

  // Each port, by what the simulators are (src/sim/vedirect/devices.hpp, src/sim/vebus).
  const auto& ports = report["ports"];
  ASSERT_EQ(ports.size(), 3u) << out;
  EXPECT_EQ(ports[0]["found"], "vedirect") << ports[0].dump();
  EXPECT_EQ(ports[0]["vedirect"]["product"], "SmartSolar MPPT 100|20");
  EXPECT_EQ(ports[0]["vedirect"]["service_type"], "solarcharger");
  EXPECT_EQ(ports[1]["found"], "vedirect") << ports[1].dump();
  EXPECT_EQ(ports[1]["vedirect"]["service_type"], "battery");
  EXPECT_EQ(ports[2]["found"], "mk2") << ports[2].dump();
  EXPECT_GT(ports[2]["mk2"]["version_frames"].get<int>(), 0);
  EXPECT_EQ(multi_->sim().frames_received(), 0u) << "doctor wrote to the MK2";

  // The slcan adapter's bus at 500 kbit/s carries the simulated battery.
  ASSERT_EQ(report["can"].size(), 1u) << out;
  const auto& bus = report["can"][0];
  EXPECT_EQ(bus["bitrate"], 500000);
  EXPECT_EQ(bus["canbms"]["found"], true) << bus.dump();
  EXPECT_EQ(bus["canbms"]["name"], sim::canbms::BatterySimOptions{}.name);
  EXPECT_EQ(bus["nmea2000"]["found"], false);
  EXPECT_EQ(bus["canopen"]["found"], false);
  EXPECT_GE(adapter_->opens(), 1u);

  // The written config is what the report says, and the daemon accepts it.
  ASSERT_TRUE(fs::exists(config));
  EXPECT_EQ(read_file(config), report["config"].get<std::string>());
  const auto [check_rc, check_out] =
      test::run_command({GXLINK_BINARY, "run", "--check-config", "--config", config.string()});
  EXPECT_EQ(check_rc, 0) << check_out << read_file(config);

  // Run it and see every device appear. As root the daemon's default state directory is
  // /var/lib/gxlink; the test gives it a private one instead, the only line it adds.
  std::ofstream(config, std::ios::app)
      << "\n[general]\ndata_dir = \"" << (dir_ / "state").string() << "\"\n";
  const int port = test::free_tcp_port();
  test::Process daemon({GXLINK_BINARY, "--log-level", "warn", "run", "--config", config.string(),
                        "--http", "127.0.0.1:" + std::to_string(port), "--dbus", "none", "--no-tui",
                        "--duration", "60"});
  const std::vector<std::string> services = {
      "com.victronenergy.solarcharger.ttyUSB0", "com.victronenergy.battery.ttyUSB1",
      "com.victronenergy.vebus.ttyUSB2", "com.victronenergy.battery.socketcan_ttyACM0"};
  json model;
  const bool all = test::eventually(
      [&] {
        model = json::parse(http_get(port, "/api/model"), nullptr, false);
        if (!model.is_object()) return false;
        for (const auto& s : services)
          if (!model.contains(s) || model[s]["/Connected"] != 1) return false;
        // The battery's name frames (0x370/0x371) come every 5 s, after its first values.
        return model[services[3]]["/ProductName"] == sim::canbms::BatterySimOptions{}.name;
      },
      std::chrono::seconds(40));
  daemon.stop();
  std::string missing;
  for (const auto& s : services)
    if (!model.is_object() || !model.contains(s) || model[s]["/Connected"] != 1) missing += s + " ";
  EXPECT_TRUE(all) << "not connected: " << missing << "\n" << daemon.output();
  if (all) {
    EXPECT_EQ(model["com.victronenergy.battery.socketcan_ttyACM0"]["/ProductName"],
              sim::canbms::BatterySimOptions{}.name);
    EXPECT_EQ(model["com.victronenergy.solarcharger.ttyUSB0"]["/ProductName"],
              "SmartSolar MPPT 100|20");
  }
}

TEST_F(DoctorOnPtys, WithoutAllowWritesNothingIsWrittenAndSlcanIsNotOpened) {
  const auto [rc, out] = test::run_command(doctor_args(false));
  EXPECT_EQ(rc, 0) << out;  // the VE.Direct and MK2 devices are still found
  const json report = parse_report(out);
  ASSERT_TRUE(report.is_object()) << out;
  EXPECT_EQ(report["allow_writes"], false);
  EXPECT_EQ(report["ports"][0]["found"], "vedirect");
  EXPECT_EQ(report["ports"][2]["found"], "mk2");
  ASSERT_EQ(report["can"].size(), 1u);
  EXPECT_EQ(report["can"][0]["needs_writes"], true);
  EXPECT_EQ(report["can"][0]["canbms"]["found"], false);
  // Nothing reached the devices: the adapter was never asked or opened, the MK2 got no frame, the
  // VE.Direct devices no HEX request.
  EXPECT_EQ(adapter_->opens(), 0u);
  EXPECT_EQ(adapter_->version_queries(), 0u);
  EXPECT_EQ(multi_->sim().frames_received(), 0u);
  EXPECT_EQ(mppt_->device().hex_requests(), 0u);
  EXPECT_EQ(shunt_->device().hex_requests(), 0u);
  // And the config says why the bus is missing: no section for it.
  EXPECT_EQ(report["config"].get<std::string>().find("[[canbms]]"), std::string::npos);
}

TEST_F(DoctorOnPtys, AnExistingConfigIsNotOverwrittenWithoutForce) {
  const fs::path config = dir_ / "gxlink.toml";
  std::ofstream(config) << "# mine\n";
  auto args = doctor_args(false);
  args.push_back("--write-config");
  args.push_back(config.string());
  const auto [rc, out] = test::run_command(args);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("use --force"), std::string::npos) << out;
  EXPECT_EQ(read_file(config), "# mine\n");
  args.push_back("--force");
  const auto [rc2, out2] = test::run_command(args);
  EXPECT_EQ(rc2, 0) << out2;
  EXPECT_NE(read_file(config).find("[[vedirect]]"), std::string::npos);
}

}  // namespace
}  // namespace gxlink
