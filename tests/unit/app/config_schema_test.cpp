// SPDX-License-Identifier: MIT
// The config schema (issue 11 item 6): what it refuses, and that it says where and why.
#include "registry/config_schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/config.hpp"
#include "registry/registry.hpp"

namespace gxlink::app {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

std::vector<std::string> check(std::string_view text,
                               registry::ValidateOptions opts = {"gxlink.toml", {}}) {
  return registry::validate_config(toml::parse(text, std::string_view("gxlink.toml")),
                                   config_schema(), opts);
}

TEST(ConfigSchema, UnknownKeyIsReportedWithFileLineAndTheKnownKeys) {
  EXPECT_THAT(check("[http]\nlisen = \"127.0.0.1:8088\"\n"),
              ElementsAre("gxlink.toml:2:1: unknown key 'lisen' in [http] (known: enabled, listen, "
                          "token, writes)"));
}

TEST(ConfigSchema, AKeyAboveEverySectionIsCalledAKeyNotASection) {
  const auto errors = check("listen = \"127.0.0.1:8088\"\n[http]\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0], StartsWith("gxlink.toml:1:1: unknown top-level key 'listen': every "
                                    "setting belongs in a section (known: "));
  EXPECT_THAT(errors[0], HasSubstr("http"));
}

TEST(ConfigSchema, UnknownSectionListsTheKnownOnes) {
  const auto errors = check("[http]\n\n[vedirekt]\nport = \"/dev/ttyUSB0\"\n");
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0], StartsWith("gxlink.toml:3:2: unknown section [vedirekt] (known: "));
  EXPECT_THAT(errors[0], HasSubstr("vedirect"));
  EXPECT_THAT(errors[0], HasSubstr("mqtt"));
}

TEST(ConfigSchema, WrongTypeIsAnErrorNotADefault) {
  EXPECT_THAT(check("[http]\nlisten = 18104\n"),
              ElementsAre("gxlink.toml:2:10: expected a string for 'listen' in [http], got an "
                          "integer"));
  EXPECT_THAT(check("[mqtt]\nport = \"1883\"\n"),
              ElementsAre("gxlink.toml:2:8: expected an integer for 'port' in [mqtt], got a "
                          "string"));
  EXPECT_THAT(check("[dbus]\nenabled = \"no\"\n"), SizeIs(1));
}

TEST(ConfigSchema, IntegersAreAcceptedWhereNumbersAreExpected) {
  EXPECT_THAT(check("[[canbms-bms]]\ninterface = \"socketcan:can0\"\nsource = \"x\"\n"
                    "charge_voltage = 14\ncharge_current = 80\ndischarge_current = 120.5\n"),
              IsEmpty());
}

TEST(ConfigSchema, OutOfRangeNamesTheRange) {
  EXPECT_THAT(check("[[vedirect]]\nport = \"/dev/ttyUSB0\"\ntimeout_s = 0.5\n"),
              ElementsAre("gxlink.toml:3:13: 'timeout_s' in [[vedirect]] is 0.5, out of range: it "
                          "must be 1..600"));
  EXPECT_THAT(check("[mqtt]\nport = 70000\n"),
              ElementsAre("gxlink.toml:2:8: 'port' in [mqtt] is 70000, out of range: it must be "
                          "1..65535"));
  EXPECT_THAT(check("[mqtt]\nreconnect_max_s = 0\n"),
              ElementsAre(HasSubstr("'reconnect_max_s' in [mqtt] is 0, out of range: it must be "
                                    "> 0")));
  EXPECT_THAT(check("[mqtt]\nkeepalive_timeout_s = nan\n"), SizeIs(1));
}

TEST(ConfigSchema, EveryProblemIsReportedNotJustTheFirst) {
  const auto errors =
      check("[http]\nlisen = 1\n[mqtt]\nport = 0\nhost = 5\n[[vedirect]]\nbaud = 1\n[vedirekt]\n");
  // lisen, port, host, vedirect's unknown baud, vedirect's missing port, vedirekt; in file order
  ASSERT_THAT(errors, SizeIs(6)) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors.front(), StartsWith("gxlink.toml:2:1: unknown key 'lisen'"));
  EXPECT_THAT(errors.back(), StartsWith("gxlink.toml:8:2: unknown section [vedirekt]"));
}

TEST(ConfigSchema, RequiredKeysAreNamed) {
  const auto errors = check("[[canbms-bms]]\ninterface = \"socketcan:can0\"\n");
  ASSERT_THAT(errors, SizeIs(4)) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], StartsWith("gxlink.toml:1:1: missing key 'source' in [[canbms-bms]]"));
  EXPECT_THAT(errors[1], HasSubstr("missing key 'charge_voltage'"));
}

TEST(ConfigSchema, DriverSectionsMayBeOneTablePublishersMustBe) {
  EXPECT_THAT(check("[vedirect]\nport = \"/dev/ttyUSB0\"\n"), IsEmpty());
  EXPECT_THAT(check("[[mqtt]]\nport = 1883\n"),
              ElementsAre(HasSubstr("[[mqtt]] must be a single table [mqtt]")));
  EXPECT_THAT(check("http = 8088\n"),
              ElementsAre("gxlink.toml:1:1: expected a table [http], got an integer"));
  EXPECT_THAT(check("vedirect = [1]\n"),
              ElementsAre(HasSubstr("expected a table in [[vedirect]], got an integer")));
}

TEST(ConfigSchema, ChecksOnValues) {
  EXPECT_THAT(check("[http]\nlisten = \"127.0.0.1:-1\"\n"),
              ElementsAre(StartsWith("gxlink.toml:2:10: 'listen' in [http]: bad port in")));
  EXPECT_THAT(check("[http]\nlisten = \"127.0.0.1:99999\"\n"), SizeIs(1));
  EXPECT_THAT(check("[http]\nlisten = \"8088\"\n"), SizeIs(1));
  EXPECT_THAT(check("[http]\nlisten = \"127.0.0.1:0\"\n"), IsEmpty());  // a free port (tests)
  EXPECT_THAT(check("[dbus]\nsignals = \"some\"\n"),
              ElementsAre(HasSubstr("'signals' in [dbus]: must be \"both\"")));
  EXPECT_THAT(check("[mqtt]\nportal_id = \"a/b\"\n"), SizeIs(1));
  EXPECT_THAT(check("[[canbms]]\ninterface = \"carrier-pigeon:can0\"\n"),
              ElementsAre(HasSubstr("unknown CAN transport 'carrier-pigeon'")));
  EXPECT_THAT(check("[[canbms]]\ninterface = \"slcan:/dev/ttyACM0@1234\"\n"), SizeIs(1));
  EXPECT_THAT(check("[[canbms]]\ninterface = \"socketcan:can0\"\nbitrate = 123\n"), SizeIs(1));
  EXPECT_THAT(check("[[vebus]]\nport = \"\"\n"), SizeIs(1));
}

// [system.charge_control] (issue 16): off needs nothing; on needs the battery maker's values, and
// what the keys mean together is checked before anything starts, where the table is.
TEST(ConfigSchema, SystemChargeControlIsCheckedAsAWhole) {
  EXPECT_THAT(check("[system.charge_control]\nenabled = false\n"), IsEmpty());
  EXPECT_THAT(check("[system.charge_control]\nenabled = true\nchemistry = \"lfp\"\ncells = 16\n"
                    "charge_voltage = 55.2\ncharge_current = 100\ndischarge_current = 150\n"),
              IsEmpty());
  EXPECT_THAT(check("[system.charge_control]\nenabled = true\nchemistry = \"lfp\"\ncells = 16\n"),
              ElementsAre(AllOf(StartsWith("gxlink.toml:1:1: 'charge_control' in [system]"),
                                HasSubstr("needs charge_voltage"))));
  EXPECT_THAT(check("[system.charge_control]\nenabled = true\ncharge_voltage = 55.2\n"
                    "charge_current = 100\ndischarge_current = 150\n"),
              ElementsAre(HasSubstr("needs chemistry")));
  EXPECT_THAT(check("[system.charge_control]\nenabled = true\nchemistry = \"lfp\"\ncells = 16\n"
                    "charge_voltage = 55.2\ncharge_current = 100\ndischarge_current = 150\n"
                    "[system.charge_control.controller]\ncell_charge_v = 3.40\n"),
              ElementsAre(HasSubstr("cell_charge_v × cells disagree")));
  // A bad key is reported once, where it is, not again by the table's own check.
  EXPECT_THAT(check("[system.charge_control]\nenabled = true\nchemistry = \"lead\"\ncells = 16\n"
                    "charge_voltage = 55.2\ncharge_current = 100\ndischarge_current = 150\n"),
              ElementsAre(HasSubstr("'chemistry' in [system.charge_control] is \"lead\"")));
  EXPECT_THAT(check("[system.charge_control]\nenabled = true\ncells = 17\n"),
              ElementsAre(HasSubstr("'cells' in [system.charge_control] is 17, out of range")));
}

TEST(ConfigSchema, CanopenNodesAndObjectsAreChecked) {
  EXPECT_THAT(check("[[canopen]]\nnodes = [0]\n"),
              ElementsAre(StartsWith("gxlink.toml:2:9: 'nodes' in [[canopen]]: nodes[0] must be")));
  EXPECT_THAT(check("[[canopen]]\nnodes = [1, 1]\n"), ElementsAre(HasSubstr("listed twice")));
  EXPECT_THAT(check("[[canopen]]\nnodes = [{ id = 1, capasity_ah = 3 }]\n"),
              ElementsAre(HasSubstr("unknown key 'capasity_ah'")));
  EXPECT_THAT(check("[[canopen]]\nnodes = [{ id = 1, capacity_ah = 100 }, 2]\n"), IsEmpty());
  EXPECT_THAT(
      check("[[canopen]]\n[[canopen.object]]\nindx = 0x2013\ntype = \"i16\"\n"
            "path = \"/Dc/0/Temperature\"\n"),
      UnorderedElementsAre(StartsWith("gxlink.toml:3:1: unknown key 'indx' in [[canopen.object]]"),
                           HasSubstr("missing key 'index' in [[canopen.object]]")));
  EXPECT_THAT(check("[[canopen]]\n[[canopen.object]]\nindex = 0x2013\ntype = \"i17\"\n"
                    "path = \"Dc\"\n"),
              SizeIs(2));
}

TEST(ConfigSchema, TwoSectionsOnOneSerialPortAreRefused) {
  EXPECT_THAT(check("[[vedirect]]\nport = \"/dev/ttyUSB7\"\n[[vebus]]\nport = \"/dev/ttyUSB7\"\n"),
              ElementsAre("gxlink.toml:4:8: serial port '/dev/ttyUSB7' of [[vebus]] is already "
                          "used by [[vedirect]] at gxlink.toml:2:8; one serial port can serve only "
                          "one section"));
  // The tty inside an slcan spec counts, whatever the bit rate.
  EXPECT_THAT(check("[[canbms]]\ninterface = \"slcan:/dev/ttyACM0@500000\"\n"
                    "[[nmea2000]]\ninterface = \"slcan:/dev/ttyACM0@250000\"\n"),
              SizeIs(1));
  // SocketCAN is shared by the kernel: several drivers on one interface are fine.
  EXPECT_THAT(check("[[canbms]]\ninterface = \"socketcan:can0\"\n[[canbms-bms]]\n"
                    "interface = \"can0\"\nsource = \"x\"\ncharge_voltage = 14\n"
                    "charge_current = 1\ndischarge_current = 1\n[[nmea2000]]\n"
                    "interface = \"socketcan:can0\"\n"),
              IsEmpty());
}

TEST(ConfigSchema, ALinkAndTheTtyItNamesAreOnePort) {
  const auto dir =
      std::filesystem::path(::testing::TempDir()) / ("gxlink-schema-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ttyUSB3") << "";
  std::filesystem::remove(dir / "by-id");
  std::filesystem::create_symlink(dir / "ttyUSB3", dir / "by-id");
  const auto errors = check("[[vedirect]]\nport = \"" + (dir / "by-id").string() +
                            "\"\n[[vebus]]\nport = \"" + (dir / "ttyUSB3").string() + "\"\n");
  std::filesystem::remove_all(dir);
  EXPECT_THAT(errors, SizeIs(1));
}

TEST(ConfigSchema, CommandLineValuesAreNamedByTheirOption) {
  toml::table cfg;
  RunOptions ro;
  ro.http = "127.0.0.1:99999";
  apply_overrides(cfg, ro);
  registry::ValidateOptions vo{"gxlink.toml", {{"http.listen", "--http 127.0.0.1:99999"}}};
  EXPECT_THAT(registry::validate_config(cfg, config_schema(), vo),
              ElementsAre(StartsWith("--http 127.0.0.1:99999: 'listen' in [http]: bad port")));
}

TEST(ConfigSchema, LoadRunConfigValidatesOverridesToo) {
  const auto file = std::filesystem::path(::testing::TempDir()) /
                    ("gxlink-load-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << "[dbus]\nenabled = false\n";
  RunOptions ro;
  ro.config_file = file;
  EXPECT_THAT(load_run_config(ro).errors, IsEmpty());
  ro.http = "127.0.0.1:99999";
  ro.mqtt = "127.0.0.1:0";
  const auto rc = load_run_config(ro);
  EXPECT_THAT(rc.errors, ElementsAre(StartsWith("--http 127.0.0.1:99999: "),
                                     StartsWith("--mqtt 127.0.0.1:0: 'port' in [mqtt] is 0")))
      << ::testing::PrintToString(rc.errors);
  ro.http.reset();
  ro.mqtt = "127.0.0.1:abc";
  EXPECT_THAT(load_run_config(ro).errors,
              ElementsAre(StartsWith("--mqtt 127.0.0.1:abc: bad port")));
  std::filesystem::remove(file);
  ro.mqtt.reset();
  EXPECT_THAT(load_run_config(ro).errors, ElementsAre(HasSubstr("no such config file")));
}

TEST(ConfigSchema, EveryRegistryEntryCarriesTheSchemaOfItsSection) {
  const auto& reg = registry::all();
  for (const auto& [kind, entry] : reg.drivers) {
    EXPECT_EQ(entry.schema.name, kind);
    EXPECT_EQ(entry.schema.form, registry::SectionForm::kEither) << kind;
    EXPECT_FALSE(entry.schema.keys.empty()) << kind;
  }
  for (const auto& [kind, entry] : reg.publishers) {
    EXPECT_EQ(entry.schema.name, kind);
    EXPECT_EQ(entry.schema.form, registry::SectionForm::kTable) << kind;
    // The daemon reads `enabled` from every publisher's section (daemon.cpp).
    EXPECT_NE(entry.schema.find("enabled"), nullptr) << kind;
  }
  for (const auto& s : config_schema())
    for (const auto& k : s.keys) EXPECT_FALSE(k.description.empty()) << s.name << "." << k.name;
}

}  // namespace
}  // namespace gxlink::app
