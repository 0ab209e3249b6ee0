// SPDX-License-Identifier: MIT
#include "protocols/modbus/register_map.hpp"

#include <array>
#include <cmath>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace gxlink::modbus {
namespace {

std::string parse_error(std::string_view csv) {
  auto m = RegisterMap::parse(csv);
  return m ? std::string() : m.error().detail;
}

TEST(RegisterMap, BuiltInMapIsValidAndCoversEveryServiceTypeOfTheIssue) {
  auto m = RegisterMap::parse(gx_register_map_csv());
  ASSERT_TRUE(m) << m.error().detail;
  std::set<std::string> types;
  for (const auto& e : m->entries()) types.insert(e.service_type);
  for (const char* t : {"system", "battery", "solarcharger", "vebus", "inverter", "charger", "dcdc",
                        "settings", "hub4"})
    EXPECT_TRUE(types.count(t)) << t;
}

// Venus facts from venus_os.md §4.3 that the built-in map must keep.
TEST(RegisterMap, BuiltInMapHasTheVenusRegistersOfTheReference) {
  struct Want {
    std::uint16_t reg;
    const char* type;
    const char* path;
    const char* modbus_type;
    double scale;
    bool writable;
  };
  const std::array<Want, 12> want{{
      {800, "system", "/Serial", "string[6]", 1, false},
      {840, "system", "/Dc/Battery/Voltage", "uint16", 10, false},
      {845, "system", "/Dc/Battery/ConsumedAmphours", "uint16", -10, false},
      {846, "system", "/Dc/Battery/TimeToGo", "uint16", 0.01, false},
      {870, "system", "/Dc/InverterCharger/Power", "int32", 1, false},
      {266, "battery", "/Soc", "uint16", 10, false},
      {774, "solarcharger", "/Mode", "uint16", 1, true},
      {12, "vebus", "/Ac/ActiveIn/L1/P", "int16", 0.1, false},
      {33, "vebus", "/Mode", "uint16", 1, true},
      {2700, "settings", "/Settings/CGwacs/AcPowerSetPoint", "int16", 1, true},
      {2902, "settings", "/Settings/CGwacs/Hub4Mode", "uint16", 1, true},
      {2716, "hub4", "/Overrides/Setpoint", "int32", 1, true},
  }};
  const auto& m = gx_register_map();
  for (const auto& w : want) {
    const auto* e = m.find(w.reg);
    ASSERT_NE(e, nullptr) << w.reg;
    EXPECT_EQ(e->address, w.reg);
    EXPECT_EQ(e->service_type, w.type);
    EXPECT_EQ(e->path, w.path);
    EXPECT_EQ(e->type_name(), w.modbus_type);
    EXPECT_DOUBLE_EQ(e->scale, w.scale);
    EXPECT_EQ(e->writable, w.writable);
  }
}

TEST(RegisterMap, CommentsAndBlankLinesAreSkippedAndRowsSorted) {
  auto m = RegisterMap::parse(
      "# a comment\n\ncom.victronenergy.b,/B,d,V,20,int32,1,R\r\ncom.victronenergy.a,/A,i,,10,"
      "uint16,1,W\n");
  ASSERT_TRUE(m) << m.error().detail;
  ASSERT_EQ(m->entries().size(), 2u);
  EXPECT_EQ(m->entries()[0].path, "/A");
  EXPECT_EQ(m->find(21)->path, "/B");  // the second register of the int32
  EXPECT_EQ(m->find(22), nullptr);
  EXPECT_EQ(m->find(11), nullptr);
}

TEST(RegisterMap, OverlappingRowsAreRejectedWithBothLines) {
  const auto err = parse_error(
      "com.victronenergy.a,/A,d,V,10,int32,1,R\ncom.victronenergy.a,/B,d,V,11,uint16,1,R\n");
  EXPECT_NE(err.find("line 2"), std::string::npos) << err;
  EXPECT_NE(err.find("register 11"), std::string::npos) << err;
  EXPECT_NE(err.find("line 1"), std::string::npos) << err;
}

TEST(RegisterMap, BadRowsAreRejectedWithTheirLine) {
  const std::array<std::pair<const char*, const char*>, 11> bad{{
      {"com.victronenergy.a,/A,d,V,10,float32,1,R", "unknown Modbus type"},
      {"com.victronenergy.a,/A,d,V,10,string[0],1,R", "unknown Modbus type"},
      {"com.victronenergy.a,/A,d,V,10,uint16,0,R", "scale"},
      {"com.victronenergy.a,/A,d,V,10,uint16,x,R", "scale"},
      {"com.victronenergy.a,/A,d,V,10,uint16,1,RW", "access"},
      {"com.victronenergy.a,/A,z,V,10,uint16,1,R", "D-Bus type"},
      {"com.victronenergy.a,A,d,V,10,uint16,1,R", "path"},
      {"victron.a,/A,d,V,10,uint16,1,R", "service"},
      {"com.victronenergy.a,/A,d,V,70000,uint16,1,R", "register"},
      {"com.victronenergy.a,/A,d,V,10,uint16,1", "8 columns"},
      {"com.victronenergy.a,/A,s,,10,string[4],1,W", "read-only"},
  }};
  for (const auto& [row, why] : bad) {
    const auto err = parse_error(std::string("# x\n") + row + "\n");
    EXPECT_NE(err.find("line 2"), std::string::npos) << row << ": " << err;
    EXPECT_NE(err.find(why), std::string::npos) << row << ": " << err;
  }
  EXPECT_NE(parse_error("com.victronenergy.a,/A,d,V,65535,uint32,1,R").find("65535"),
            std::string::npos);
}

RegisterEntry entry(RegisterType t, std::uint16_t count, double scale) {
  RegisterEntry e;
  e.type = t;
  e.count = count;
  e.scale = scale;
  return e;
}

std::vector<std::uint16_t> encode(const RegisterEntry& e, std::optional<double> v,
                                  InvalidPolicy p = InvalidPolicy::kNotAvailable) {
  std::vector<std::uint16_t> out(e.count);
  encode_number(e, v, p, out);
  return out;
}

using W = std::vector<std::uint16_t>;

TEST(RegisterValues, InvalidReadsAsTheNotAvailableCodeOrZero) {
  EXPECT_EQ(encode(entry(RegisterType::kInt16, 1, 10), std::nullopt), W{0x7FFF});
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 10), std::nullopt), W{0xFFFF});
  EXPECT_EQ(encode(entry(RegisterType::kInt32, 2, 1), std::nullopt), (W{0x7FFF, 0xFFFF}));
  EXPECT_EQ(encode(entry(RegisterType::kUint32, 2, 1), std::nullopt), (W{0xFFFF, 0xFFFF}));
  EXPECT_EQ(encode(entry(RegisterType::kUint64, 4, 1), std::nullopt),
            (W{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 10), std::nan("")), W{0xFFFF});
  EXPECT_EQ(encode(entry(RegisterType::kInt32, 2, 1), std::nullopt, InvalidPolicy::kZero),
            (W{0, 0}));
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 1), std::nullopt, InvalidPolicy::kZero), W{0});
}

TEST(RegisterValues, ScalesRoundAndNegativeScaleFlipsTheSign) {
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 100), 26.82), W{2682});
  EXPECT_EQ(encode(entry(RegisterType::kInt16, 1, 10), -3.26), W{static_cast<std::uint16_t>(-33)});
  EXPECT_EQ(encode(entry(RegisterType::kInt16, 1, 0.1), 1263), W{126});  // vebus /Ac/ActiveIn/L1/P
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 0.01), 21600), W{216});  // TimeToGo
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, -10), -31.25), W{313});  // ConsumedAmphours
}

TEST(RegisterValues, ThirtyTwoBitValuesAreHighWordFirst) {
  EXPECT_EQ(encode(entry(RegisterType::kInt32, 2, 1), -2), (W{0xFFFF, 0xFFFE}));
  EXPECT_EQ(encode(entry(RegisterType::kUint32, 2, 1), 0x12345678), (W{0x1234, 0x5678}));
  EXPECT_EQ(encode(entry(RegisterType::kUint64, 4, 1), 0x000100020003),
            (W{0x0000, 0x0001, 0x0002, 0x0003}));
}

TEST(RegisterValues, OverflowClampsBelowTheNotAvailableCode) {
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 100), 1000), W{0xFFFE});
  EXPECT_EQ(encode(entry(RegisterType::kInt16, 1, 10), 5000), W{0x7FFE});
  EXPECT_EQ(encode(entry(RegisterType::kInt16, 1, 10), -5000), W{0x8000});
  EXPECT_EQ(encode(entry(RegisterType::kUint16, 1, 1), -5), W{0});
  EXPECT_EQ(encode(entry(RegisterType::kUint32, 2, 1), 1e12), (W{0xFFFF, 0xFFFE}));
  EXPECT_EQ(encode(entry(RegisterType::kInt32, 2, 1), 1e12), (W{0x7FFF, 0xFFFE}));
  EXPECT_EQ(encode(entry(RegisterType::kUint64, 4, 1), 1e30), (W{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}));
}

TEST(RegisterValues, StringsAreLatin1TwoCharactersPerRegisterMsbFirst) {
  const auto e = entry(RegisterType::kString, 3, 1);
  std::vector<std::uint16_t> out(3);
  encode_string(e, "HQ1", out);
  EXPECT_EQ(out, (W{0x4851, 0x3100, 0x0000}));
  encode_string(e, "\xC3\xA9t\xE2\x82\xAC!", out);  // "ét€!": é is Latin-1, € is not
  EXPECT_EQ(out, (W{0xE974, 0x3F21, 0x0000}));
  encode_string(e, "ABCDEFGH", out);  // cut at 6 characters
  EXPECT_EQ(out, (W{0x4142, 0x4344, 0x4546}));
}

TEST(RegisterValues, WritesDecodeSignedAndScaledBack) {
  const std::uint16_t neg[] = {0xFFFF, 0xFC18};
  EXPECT_DOUBLE_EQ(decode_registers(entry(RegisterType::kInt32, 2, 1), neg), -1000);
  const std::uint16_t amps[] = {125};
  EXPECT_DOUBLE_EQ(decode_registers(entry(RegisterType::kInt16, 1, 10), amps), 12.5);
  const std::uint16_t big[] = {0xFFFF};
  EXPECT_DOUBLE_EQ(decode_registers(entry(RegisterType::kUint16, 1, 1), big), 65535);
  EXPECT_DOUBLE_EQ(decode_registers(entry(RegisterType::kInt16, 1, 1), big), -1);
}

TEST(UnitIds, DocumentedTableHasTheReferenceRows) {
  EXPECT_EQ(documented_instance(100), 0);
  EXPECT_EQ(documented_instance(225), 512);
  EXPECT_EQ(documented_instance(226), 279);
  EXPECT_EQ(documented_instance(227), 276);
  EXPECT_EQ(documented_instance(239), 288);
  EXPECT_EQ(documented_instance(245), 258);
  EXPECT_EQ(documented_instance(246), 257);
  EXPECT_EQ(documented_instance(247), 256);
  EXPECT_EQ(documented_instance(5), std::nullopt);
  std::set<int> units;
  for (const auto& u : documented_unit_ids()) EXPECT_TRUE(units.insert(u.unit).second) << u.unit;
}

}  // namespace
}  // namespace gxlink::modbus
