// SPDX-License-Identifier: MIT
// `gxlink run --demo` (the built binary): the simulated SmartSolar MPPT and SmartShunt speak
// VE.Direct over ptys, the real serial transport and driver read them, and /api/model shows live,
// changing data (issue 2 "Done when": within 5 s; the time is printed, typically ~1 s, and only a
// generous limit is asserted so a loaded machine cannot fail it). The test starts and stops the
// daemon itself.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "transport/pty.hpp"

namespace gxlink {
namespace {

// A minimal HTTP/1.0 GET on 127.0.0.1; empty on any failure.
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

// A loopback port that was free a moment ago (bind to 0, read it back, release it).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 20000 + ::getpid() % 20000;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

TEST(VeDirectDemo, RunDemoShowsLiveChangingVeDirectData) {
  try {
    transport::Pty probe;  // the demo's devices need ptys; skip where there are none
  } catch (const std::system_error& e) {
    GTEST_SKIP() << "no pty available: " << e.what();
  }
  const int port = free_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(GXLINK_BINARY, GXLINK_BINARY, "--log-level", "warn", "run", "--demo", "--no-tui",
            "--duration", "60", "--http", listen.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json model;
  bool live = false;
  double first_live = 0;
  double last_v = 0;
  bool have_last = false;
  int changes = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(40)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::string body = http_get(port, "/api/model");
    if (body.empty()) continue;
    model = nlohmann::json::parse(body, nullptr, false);
    if (!model.is_object()) continue;
    const auto& mppt = model["com.victronenergy.solarcharger.ttyUSB0"];
    const auto& shunt = model["com.victronenergy.battery.ttyUSB1"];
    if (!mppt.is_object() || !shunt.is_object()) continue;
    if (mppt["/Connected"] != 1 || shunt["/Connected"] != 1 || !shunt["/Soc"].is_number()) continue;
    if (!live) {
      live = true;
      first_live = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double v = shunt["/Dc/0/Current"].get<double>();
    if (have_last && v != last_v) ++changes;
    last_v = v;
    have_last = true;
    if (changes >= 2) break;
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(live) << "no live VE.Direct data from the demo: " << model.dump();
  EXPECT_GE(changes, 2) << "values did not change";
  RecordProperty("seconds_to_live_data", std::to_string(first_live));
  std::printf("live VE.Direct data after %.1f s\n", first_live);
  EXPECT_EQ(model["com.victronenergy.solarcharger.ttyUSB0"]["/ProductName"],
            "SmartSolar MPPT 150|35");
  EXPECT_EQ(model["com.victronenergy.battery.ttyUSB1"]["/ProductName"], "SmartShunt 500A/50mV");
  EXPECT_EQ(model["com.victronenergy.solarcharger.ttyUSB0"]["/DeviceInstance"], 288);
  EXPECT_EQ(model["com.victronenergy.battery.ttyUSB1"]["/DeviceInstance"], 289);
}

}  // namespace
}  // namespace gxlink
