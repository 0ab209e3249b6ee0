// SPDX-License-Identifier: MIT
// End to end: the real daemon in demo mode (simulated SuperB nodes on the in-process 250 kbit/s
// bus, the real driver, the real HTTP publisher); we read GET /api/model until the bank is
// complete.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace {

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

TEST(CanopenDemo, TwoBatteryBankAppearsOnApiModel) {
  const int port = free_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const std::string cfg =
      ::testing::TempDir() + "/canopen_demo_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(cfg.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("[general]\ndemo = true\n", f);
  std::fclose(f);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(GXLINK_BINARY, GXLINK_BINARY, "run", "--config", cfg.c_str(), "--no-tui", "--dbus",
            "none", "--http", listen.c_str(), "--duration", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  httplib::Client cli("127.0.0.1", port);
  nlohmann::json bank, node2;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto res = cli.Get("/api/model"); res && res->status == 200) {
      auto j = nlohmann::json::parse(res->body, nullptr, false);
      if (j.is_object() && j.contains("com.victronenergy.battery.canopen_bank")) {
        bank = j["com.victronenergy.battery.canopen_bank"];
        node2 = j["com.victronenergy.battery.canopen_node2"];
        if (bank.value("/System/NrOfModulesOnline", 0) == 2 &&
            node2.contains("/CanOpen/MissingObjects") && node2["/CanOpen/MissingObjects"] == 2)
          break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::remove(cfg.c_str());
  ASSERT_FALSE(bank.is_null()) << "no canopen_bank service on /api/model";
  EXPECT_EQ(bank["/Connected"], 1);
  EXPECT_EQ(bank["/System/NrOfModulesOnline"], 2);
  EXPECT_EQ(bank["/InstalledCapacity"], 250.0);
  EXPECT_TRUE(bank["/Soc"].is_number());
  EXPECT_TRUE(bank["/Dc/0/Current"].is_number());
  // Node 2 runs firmware 1.0: the two objects it lacks stay null.
  EXPECT_EQ(node2["/CanOpen/MissingObjects"], 2);
  EXPECT_TRUE(node2["/ConsumedAmphours"].is_null());
  EXPECT_EQ(node2["/FirmwareVersion"], 0x10004);  // "1.0.4" as Venus' integer
  EXPECT_TRUE(WIFEXITED(status) || WIFSIGNALED(status));
}

}  // namespace

namespace {

std::string run_daemon_with(const std::string& toml) {
  const std::string cfg =
      ::testing::TempDir() + "/canopen_cfg_" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(cfg.c_str(), "w");
  if (!f) return {};
  std::fputs(toml.c_str(), f);
  std::fclose(f);
  const std::string cmd = std::string(GXLINK_BINARY) + " run --config " + cfg +
                          " --no-tui --dbus none --http 127.0.0.1:" + std::to_string(free_port()) +
                          " --duration 1 2>&1; echo exit=$?";
  std::string out = gxlink::test::run_shell(cmd).out;
  std::remove(cfg.c_str());
  return out;
}

// A bad section is refused and the daemon does not start (issue 11 item 6): it used to be dropped
// while the daemon ran on.
TEST(CanopenDemo, BadCanopenSectionIsRefusedWithItsLine) {
  const std::string out = run_daemon_with("[[canopen]]\ninterface = \"can7\"\nnodes = [0]\n");
  EXPECT_NE(out.find(".toml:3:9: 'nodes' in [[canopen]]: nodes[0] must be"), std::string::npos)
      << out;
  EXPECT_NE(out.find("exit=2"), std::string::npos) << out;
}

TEST(CanopenDemo, UnopenableInterfaceIsReportedAndTheDaemonRuns) {
  const std::string out = run_daemon_with("[[canopen]]\ninterface = \"can7\"\nnodes = [1, 2]\n");
  EXPECT_NE(out.find("can7"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=0"), std::string::npos) << out;
}

}  // namespace
