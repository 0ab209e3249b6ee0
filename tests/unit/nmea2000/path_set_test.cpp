// SPDX-License-Identifier: MIT
// Issue 13, conformance 1: every VE.Can service is announced with its product's full path set.
// In the demo the MPPT appeared with 12 paths and grew to 21, so a client that scanned it at
// NameOwnerChanged got UnknownObject for /Dc/0/Voltage. Each test flushes the model after every
// input, as the event loop does, and then checks that no path appeared after an announcement.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "drivers/nmea2000/capture.hpp"
#include "drivers/nmea2000/nmea2000_driver.hpp"
#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/name.hpp"
#include "protocols/nmea2000/pgn_table.hpp"
#include "protocols/nmea2000/session.hpp"
#include "sim/nmea2000/vecan_sim.hpp"
#include "support/path_set_probe.hpp"
#include "support/venus_paths.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::drivers::nmea2000 {
namespace {

namespace n2k = gxlink::nmea2000;
namespace fs = std::filesystem;
using sim::nmea2000::VeCanDevice;
using sim::nmea2000::VeCanProduct;

struct Rig {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  testing::PathSetProbe probe{model};
};

TEST(Nmea2000PathSet, SimulatedDevicesAreAnnouncedWithEveryPath) {
  Rig rig;
  transport::InProcessCanBus bus{"can0"};
  std::vector<std::unique_ptr<transport::InProcessCanBus::Endpoint>> eps;
  std::vector<std::unique_ptr<VeCanDevice>> sims;
  const VeCanProduct products[] = {VeCanProduct::kMppt150_70, VeCanProduct::kLynxShunt,
                                   VeCanProduct::kSkyllaI};
  std::uint32_t unique = 0x12345;
  for (auto p : products) {
    eps.push_back(bus.attach("sim"));
    sims.push_back(std::make_unique<VeCanDevice>(*eps.back(), p, unique++, 0x20));
  }
  auto owned_ep = bus.attach("driver");
  auto* ep = owned_ep.get();
  Nmea2000Driver driver(rig.ctx, std::move(owned_ep), Options{});
  TimePoint now{};
  ep->set_receiver([&](const CanFrame& f, TimePoint) {
    driver.on_frame(f, now);
    rig.model.flush();
  });
  driver.begin(now);
  for (int i = 0; i < 2400; ++i) {  // two minutes: history VREGs, every broadcast
    now += std::chrono::milliseconds(50);
    for (auto& s : sims) s->tick(now);
    driver.on_tick(now);
    bus.pump(now);
    rig.model.flush();
  }
  EXPECT_GE(rig.probe.announced(), 3u);
  EXPECT_EQ(rig.probe.late_paths(), "");
  // Issue 13, structure 2: every path is Venus' own, with Venus' unit.
  EXPECT_EQ(testing::venus_path_problems(rig.model), "");
  const std::string mppt = "com.victronenergy.solarcharger.socketcan_can0_di0_uc74565";
  ASSERT_NE(rig.model.find(mppt), nullptr);
  EXPECT_NE(rig.model.find(mppt)->find("/Dc/0/Voltage"), nullptr);
  EXPECT_EQ(rig.probe.paths_at_announce(mppt), rig.model.find(mppt)->items().size());
  // Issue 13, conformance 9: the MPPT's items carry Venus' unit and enum text, so GetText and the
  // terminal view show "26.82V" and "Bulk", not "26.82" and "3".
  const model::Service& s = *rig.model.find(mppt);
  const model::Item& v = *s.find("/Dc/0/Voltage");
  EXPECT_EQ(v.meta.unit, "V");
  EXPECT_EQ(v.meta.decimals, 2);
  ASSERT_TRUE(model::as_double(v.value));
  char want[32];
  std::snprintf(want, sizeof want, "%.2fV", *model::as_double(v.value));
  EXPECT_EQ(v.text(), want);
  EXPECT_EQ(model::as_int(s.get("/State")), 3);  // the simulator's 127507 operating state 1
  EXPECT_EQ(s.find("/State")->text(), "Bulk");
  EXPECT_EQ(s.find("/Mode")->text(), "On");
  EXPECT_EQ(s.find("/Yield/Power")->meta.unit, "W");
  // The Lynx Shunt's 127506 time remaining (6 h) as the GUI shows it.
  for (const auto& [name, svc] : rig.model.services())
    if (svc->type() == "battery") {
      EXPECT_EQ(svc->find("/TimeToGo")->text(), "6:00") << name;
    }
}

// Products the simulator does not play: a Lynx Ion, a VE.Bus system behind the VE.Bus-to-VE.Can
// interface (inverter and AC-input NAMEs) and another maker's battery monitor.
class Injected : public ::testing::Test {
 protected:
  void name(std::uint8_t src, std::uint16_t manufacturer, std::uint8_t function,
            std::uint8_t device_class, std::uint32_t unique) {
    n2k::IsoName nm;
    nm.unique_number = unique;
    nm.manufacturer = manufacturer;
    nm.function = function;
    nm.device_class = device_class;
    std::array<std::uint8_t, 8> p{};
    store_le64(p, 0, nm.to_u64());
    send(src, 60928, p);
  }
  void product(std::uint8_t src, const std::string& model_id) {
    n2k::ProductInfo info;
    info.product_code = 0x1234;
    info.model_id = model_id;
    info.software_version = "1.02";
    info.serial = "HQ1234";
    send(src, 126996, info_bytes = n2k::encode_product_info(info));
  }
  void emit(std::uint8_t src, std::uint32_t pgn, std::initializer_list<n2k::FieldInput> values) {
    const n2k::PgnDesc* d = n2k::find_pgn(pgn);
    ASSERT_NE(d, nullptr) << pgn;
    std::array<std::uint8_t, 223> buf{};
    auto len =
        n2k::encode(*d, std::span<const n2k::FieldInput>(values.begin(), values.size()), buf);
    ASSERT_TRUE(len) << pgn << ": " << len.error().message();
    send(src, pgn, ByteView(buf.data(), *len));
  }
  void send(std::uint8_t src, std::uint32_t pgn, ByteView payload) {
    now += std::chrono::milliseconds(10);
    n2k::Message m{n2k::N2kId{6, pgn, src, n2k::kBroadcast}, payload, now};
    driver.on_message(m, now);
    rig.model.flush();
  }

  Rig rig;
  Nmea2000Driver driver{rig.ctx, nullptr, Options{}};
  TimePoint now{};
  std::vector<std::uint8_t> info_bytes;
};

TEST_F(Injected, LynxIonVebusAndOtherMakersBatteriesAreAnnouncedWithEveryPath) {
  constexpr std::uint16_t kVictron = n2k::kVictronManufacturer;
  name(0x30, kVictron, 170, 35, 0x111);
  product(0x30, "Lynx Ion BMS 400A");
  name(0x40, kVictron, 153, 35, 0x222);  // VE.Bus inverter/charger
  name(0x41, kVictron, 154, 35, 0x223);  // its AC input monitor
  name(0x50, 135, 170, 35, 0x333);       // another maker's battery monitor
  for (int round = 0; round < 3; ++round) {
    // Lynx Ion: the pack, the lowest/highest cell, then the batteries 10..25, 127506, VREG.
    emit(0x30, 127508,
         {{"instance", 0}, {"voltage", 26.5}, {"current", 3.0}, {"temperature", 298}});
    emit(0x30, 127508, {{"instance", 1}, {"voltage", 3.30}});
    emit(0x30, 127508, {{"instance", 2}, {"voltage", 3.32}});
    for (int b = 10; b <= 25; ++b)
      emit(0x30, 127508,
           {{"instance", static_cast<double>(b)}, {"voltage", 3.31}, {"temperature", 299}});
    emit(0x30, 127506,
         {{"instance", 0},
          {"dcType", 0},
          {"stateOfCharge", 80},
          {"stateOfHealth", 99},
          {"timeRemaining", 3600},
          {"remainingCapacity", 36000}});
    // VE.Bus: output phases, input phases from the AC input monitor, DC, charger, inverter.
    for (std::uint32_t pgn : {65013u, 65010u, 65007u}) {
      emit(0x40, pgn, {{"realPower", 500}, {"apparentPower", 520}});
      emit(0x41, pgn, {{"realPower", 600}, {"apparentPower", 610}});
    }
    for (std::uint32_t pgn : {65014u, 65011u, 65008u}) {
      emit(0x40, pgn, {{"lineNeutralAcRmsVoltage", 230}, {"acRmsCurrent", 2}, {"acFrequency", 50}});
      emit(0x41, pgn, {{"lineNeutralAcRmsVoltage", 231}, {"acRmsCurrent", 3}, {"acFrequency", 50}});
    }
    emit(0x40, 127508, {{"instance", 0}, {"voltage", 26.6}, {"current", 10}, {"temperature", 300}});
    emit(0x40, 127506, {{"instance", 0}, {"dcType", 0}, {"stateOfCharge", 75}});
    emit(0x40, 127507, {{"instance", 0}, {"operatingState", 1}, {"enabled", 1}});
    emit(0x40, 127509, {{"instance", 0}, {"operatingState", 0}, {"inverterEnable", 1}});
    // Another maker: two battery banks (127506 DC type battery), each its own service.
    for (double inst : {0.0, 1.0}) {
      emit(0x50, 127506,
           {{"instance", inst},
            {"dcType", 0},
            {"stateOfCharge", 60},
            {"stateOfHealth", 95},
            {"timeRemaining", 7200},
            {"remainingCapacity", 18000}});
      emit(0x50, 127508,
           {{"instance", inst}, {"voltage", 12.8}, {"current", -4}, {"temperature", 295}});
    }
  }
  // Lynx Ion, the two VE.Bus NAMEs, and the two banks.
  EXPECT_GE(rig.probe.announced(), 5u);
  EXPECT_EQ(rig.probe.late_paths(), "");
  EXPECT_EQ(testing::venus_path_problems(rig.model), "");
  const model::Service* ion = nullptr;
  for (auto& [n, s] : rig.model.services())
    if (n.find("_uc273") != std::string::npos) ion = s.get();
  ASSERT_NE(ion, nullptr);
  EXPECT_TRUE(model::is_valid(ion->get("/Voltages/Cell16")));
}

// Captures (the repo's simulator recording and, when present, the shared real-bus captures) fed
// through the driver without a bus, flushing after every message.
std::string late_paths_of_capture(const fs::path& file, std::size_t& announced) {
  Rig rig;
  Nmea2000Driver driver(rig.ctx, nullptr, Options{});
  CaptureReader reader;
  std::ifstream in(file);
  std::string line;
  TimePoint now{};
  while (std::getline(in, line)) {
    auto m = reader.feed_line(line);
    if (!m || !*m) continue;
    now += std::chrono::milliseconds(1);
    driver.on_message(**m, now);
    rig.model.flush();
  }
  announced = rig.probe.announced();
  return rig.probe.late_paths();
}

TEST(Nmea2000PathSet, CapturesAddNoPathAfterTheAnnouncement) {
  std::vector<fs::path> files{fs::path(GXLINK_TEST_DATA) / "nmea2000" / "vecan_sim.log"};
  const fs::path shared = fs::path(testing::shared_data_dir()) / "n2k";
  if (fs::is_directory(shared))
    for (const auto& e : fs::directory_iterator(shared)) files.push_back(e.path());
  for (const auto& f : files) {
    std::size_t announced = 0;
    EXPECT_EQ(late_paths_of_capture(f, announced), "") << f;
    if (f.filename() == "vecan_sim.log") {
      EXPECT_GE(announced, 3u);
    }
  }
}

}  // namespace
}  // namespace gxlink::drivers::nmea2000
