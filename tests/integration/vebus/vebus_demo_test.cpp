// SPDX-License-Identifier: MIT
// `gxlink run --demo`: the simulated Multi on a pty, read by the real driver, shows up as the
// vebus service in GET /api/model.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include <asio.hpp>
#include <nlohmann/json.hpp>

namespace gxlink {
namespace {

unsigned short free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::string http_get(unsigned short port, const std::string& path) {
  try {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(s, asio::buffer(req));
    std::string out;
    asio::error_code ec;
    char buf[4096];
    for (;;) {
      const auto n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) break;
    }
    const auto body = out.find("\r\n\r\n");
    return body == std::string::npos ? std::string() : out.substr(body + 4);
  } catch (const std::exception&) {
    return {};
  }
}

TEST(VebusDemo, DemoShowsTheVebusService) {
  if (!std::filesystem::exists(GXLINK_BINARY)) GTEST_SKIP() << "gxlink binary not built";
  const auto port = free_port();
  const std::string http = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(GXLINK_BINARY, GXLINK_BINARY, "run", "--demo", "--no-tui", "--dbus", "none", "--http",
            http.c_str(), "--duration", "120", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  nlohmann::json svc;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto body = http_get(port, "/api/model");
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded()) {
      for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key().rfind("com.victronenergy.vebus.", 0) == 0 &&
            it.value().contains("/Dc/0/Voltage") && it.value()["/Dc/0/Voltage"].is_number() &&
            it.value()["/Mode"].is_number())
          svc = it.value();
    }
    if (!svc.is_null()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_FALSE(svc.is_null()) << "no vebus service with values in /api/model";
  EXPECT_EQ(svc["/Connected"], 1);
  EXPECT_EQ(svc["/Mgmt/Connection"], "VE.Bus");
  EXPECT_TRUE(svc["/Ac/ActiveIn/L1/V"].is_number());
  EXPECT_TRUE(svc["/Leds/Mains"].is_number());
}

}  // namespace
}  // namespace gxlink
