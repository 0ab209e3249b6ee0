// SPDX-License-Identifier: MIT
// End to end on a real pty: the simulated MPPT writes into the master side, the real SerialPort
// opens the slave through a symlink, the driver fills the model. Then the device is unplugged
// (master closed, link removed) and plugged back (new pty, link re-pointed): /Connected goes to 0
// and back to 1; before that it goes quiet with the port open (the silence timeout). Timeouts are
// generous and waits poll the model, so load does not make it flaky.
#include <gtest/gtest.h>

#include <unistd.h>

#include <asio/io_context.hpp>
#include <functional>

#include "drivers/vedirect/vedirect_driver.hpp"
#include "sim/vedirect/pty_device.hpp"

namespace gxlink {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("gxlink-vedirect-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Runs the loop until `done` or `limit` passes; true when done.
bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    io.run_for(milliseconds(50));
    if (io.stopped()) io.restart();
    if (done()) return true;
  }
  return false;
}

TEST(VeDirectPty, DriverSeesDataThenUnplugThenReplug) {
  TempDir dir;
  asio::io_context io;
  model::Model m;
  model::DeviceInstances inst;
  drivers::DriverContext ctx{io, m, inst};

  const auto link = dir.path / "ttyUSB0";
  sim::vedirect::PtyDevice dev(io, std::make_unique<sim::vedirect::MpptSimulator>(), link,
                               milliseconds(200));
  try {
    dev.start();
  } catch (const std::system_error& e) {
    GTEST_SKIP() << "no pty available: " << e.what();
  }

  drivers::vedirect::VeDirectOptions o;
  o.port = link.string();
  o.timeout = milliseconds(1500);
  o.hex_poll = seconds(2);
  drivers::vedirect::VeDirectDriver drv(ctx, o);
  drv.start();

  const std::string svc = "com.victronenergy.solarcharger.ttyUSB0";
  auto connected = [&](std::int64_t want) {
    const auto* s = m.find(svc);
    return s && model::as_int(s->get("/Connected")) == want;
  };
  ASSERT_TRUE(run_until(
      io, [&] { return connected(1); }, seconds(30)))
      << "no data from the pty";
  const auto* s = m.find(svc);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->get("/ProductId"), model::Value(std::int64_t{0xA05F}));
  EXPECT_TRUE(model::is_valid(s->get("/Dc/0/Voltage")));
  EXPECT_EQ(drv.health().state, drivers::HealthState::kOk);

  // HEX: the driver asks for what TEXT lacks; the simulator answers.
  ASSERT_TRUE(run_until(
      io, [&] { return model::is_valid(s->get("/Settings/ChargeCurrentLimit")); }, seconds(30)));
  EXPECT_EQ(s->get("/Settings/ChargeCurrentLimit"), model::Value(20.0));
  // An explicit write goes out as a HEX SET of device mode 0x0200.
  EXPECT_EQ(m.write(svc, "/Mode", std::int64_t{4}), model::WriteResult::kOk);
  ASSERT_TRUE(run_until(
      io, [&] { return dev.device().registers().at(0x0200).at(0) == 4; }, seconds(30)));
  EXPECT_EQ(m.write(svc, "/Mode", std::int64_t{2}), model::WriteResult::kOutOfRange);

  // The device goes quiet but the port stays open: the silence timeout (1.5 s here) applies.
  dev.mute(true);
  ASSERT_TRUE(run_until(
      io, [&] { return connected(0); }, seconds(30)))
      << "/Connected stayed 1";
  EXPECT_FALSE(model::is_valid(s->get("/Dc/0/Voltage")));
  EXPECT_EQ(drv.health().state, drivers::HealthState::kWarning);
  dev.mute(false);
  ASSERT_TRUE(run_until(
      io, [&] { return connected(1); }, seconds(30)))
      << "no data after unmute";
  EXPECT_TRUE(model::is_valid(s->get("/Dc/0/Voltage")));

  dev.unplug();
  EXPECT_FALSE(std::filesystem::exists(link));
  ASSERT_TRUE(run_until(
      io, [&] { return connected(0); }, seconds(30)))
      << "/Connected stayed 1";
  EXPECT_FALSE(model::is_valid(s->get("/Dc/0/Voltage")));
  EXPECT_TRUE(run_until(
      io, [&] { return drv.health().state == drivers::HealthState::kFailed; }, seconds(30)))
      << "health should say the port is gone";

  dev.replug();
  ASSERT_TRUE(std::filesystem::is_symlink(link));
  ASSERT_TRUE(run_until(
      io, [&] { return connected(1); }, seconds(60)))
      << "no data after replug";
  EXPECT_TRUE(model::is_valid(m.find(svc)->get("/Dc/0/Voltage")));
  EXPECT_EQ(drv.stats().disconnects, 2u);  // the silence, then the unplug
  EXPECT_EQ(drv.stats().bad_hex, 0u);

  drv.stop();
  dev.stop();
}

}  // namespace
}  // namespace gxlink
