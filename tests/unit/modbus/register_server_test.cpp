// SPDX-License-Identifier: MIT
#include "publishers/modbus/register_server.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace gxlink::publishers::modbus {
namespace {

using gxlink::modbus::ExceptionCode;

constexpr std::string_view kMap =
    "com.victronenergy.system,/Dc/Battery/Voltage,d,V,840,uint16,10,R\n"
    "com.victronenergy.system,/Dc/Battery/Current,d,A,841,int16,10,R\n"
    "com.victronenergy.system,/Dc/InverterCharger/Power,i,W,842,int32,1,R\n"
    "com.victronenergy.system,/Serial,s,,844,string[2],1,R\n"
    "com.victronenergy.solarcharger,/Mode,i,enum,774,uint16,1,W\n"
    "com.victronenergy.solarcharger,/State,i,enum,775,uint16,1,R\n"
    "com.victronenergy.solarcharger,/Dc/0/Current,d,A,777,int16,10,W\n"
    "com.victronenergy.settings,/Settings/Limit,d,A,2705,int16,10,W\n"
    "com.victronenergy.settings,/Settings/Power,d,W,2720,int32,1,W\n";

model::ServiceSpec spec(const char* type, const char* connection, int instance) {
  model::ServiceSpec s;
  s.type = type;
  s.connection = connection;
  s.device_instance = instance;
  return s;
}

model::ItemMeta writable() {
  model::ItemMeta m;
  m.writable = true;
  return m;
}

class RegisterServerTest : public ::testing::Test {
 protected:
  RegisterServerTest() : map_(*gxlink::modbus::RegisterMap::parse(kMap)) {
    auto& sys = model_.add_service(spec("system", "", 0));
    sys.set("/Dc/Battery/Voltage", 52.89);
    sys.set("/Dc/Battery/Current", -2.14);
    sys.set("/Dc/InverterCharger/Power", std::int64_t{-905});
    sys.set("/Serial", std::string("AB"));
    auto& mppt = model_.add_service(spec("solarcharger", "ttyUSB0", 288));
    model::ItemMeta mode = writable();
    mode.min = 1;
    mode.max = 4;
    mppt.add("/Mode", mode, std::int64_t{1}, [this](const model::Value& v) {
      written_.push_back(v);
      return model::as_int(v) == 2 ? model::WriteResult::kFailed : model::WriteResult::kOk;
    });
    mppt.set("/State", std::int64_t{3});
    auto& other = model_.add_service(spec("solarcharger", "can0", 0));
    other.set("/State", std::int64_t{5});
    auto& settings = model_.add_service(spec("settings", "", 0));
    settings.add("/Settings/Limit", writable(), 1.0, [this](const model::Value& v) {
      written_.push_back(v);
      return model::WriteResult::kOk;
    });
    settings.add("/Settings/Power", writable(), 0.0, [this](const model::Value& v) {
      written_.push_back(v);
      return model::WriteResult::kOk;
    });
  }

  /// Sends one PDU at `unit`; returns the response PDU.
  std::vector<std::uint8_t> ask(std::uint8_t unit, std::vector<std::uint8_t> pdu) {
    RegisterServer server(model_, map_, options_);
    gxlink::modbus::Adu adu{.transaction = 7, .unit = unit, .pdu = pdu};
    std::array<std::uint8_t, gxlink::modbus::kMaxAduSize> out{};
    const auto n = server.handle(adu, out);
    EXPECT_GE(n, 9u);
    EXPECT_EQ(out[6], unit);
    return {out.begin() + 7, out.begin() + static_cast<std::ptrdiff_t>(n)};
  }
  static std::vector<std::uint8_t> read(std::uint16_t addr, std::uint16_t n, std::uint8_t fc = 3) {
    return {fc, std::uint8_t(addr >> 8), std::uint8_t(addr), std::uint8_t(n >> 8), std::uint8_t(n)};
  }
  static std::vector<std::uint8_t> write1(std::uint16_t addr, std::uint16_t v) {
    return {6, std::uint8_t(addr >> 8), std::uint8_t(addr), std::uint8_t(v >> 8), std::uint8_t(v)};
  }
  static std::vector<std::uint8_t> exception(std::uint8_t fc, ExceptionCode c) {
    return {std::uint8_t(fc | 0x80), static_cast<std::uint8_t>(c)};
  }

  model::Model model_;
  gxlink::modbus::RegisterMap map_;
  RegisterServerOptions options_;
  std::vector<model::Value> written_;
};

TEST_F(RegisterServerTest, SystemReadsAtUnit100WithScalesAndWordOrder) {
  const auto r = ask(100, read(840, 6, 4));
  const std::vector<std::uint8_t> want = {4,    12,   0x02, 0x11,  // 52.89 V × 10 = 529
                                          0xFF, 0xEB,              // -2.14 A × 10 = -21
                                          0xFF, 0xFF, 0xFC, 0x77,  // -905 W, high word first
                                          'A',  'B',  0,    0};    // string[2], zero-padded
  EXPECT_EQ(r, want);
}

TEST_F(RegisterServerTest, ReadMayStartInsideA32BitValue) {
  EXPECT_EQ(ask(100, read(843, 1)), (std::vector<std::uint8_t>{3, 2, 0xFC, 0x77}));
}

TEST_F(RegisterServerTest, UnitIdResolvesOwnInstanceThenTableThenItself) {
  // 239 → 288 by the table; 0 → the VE.Can MPPT at instance 0 directly.
  EXPECT_EQ(ask(239, read(775, 1)), (std::vector<std::uint8_t>{3, 2, 0, 3}));
  EXPECT_EQ(ask(0, read(775, 1)), (std::vector<std::uint8_t>{3, 2, 0, 5}));
  // A device whose own instance is the unit id wins over the table (100 → 0 otherwise).
  model_.add_service(spec("solarcharger", "x", 100)).set("/State", std::int64_t{7});
  EXPECT_EQ(ask(100, read(775, 1)), (std::vector<std::uint8_t>{3, 2, 0, 7}));
}

TEST_F(RegisterServerTest, UnitWithoutADeviceIsGatewayPathUnavailable) {
  EXPECT_EQ(ask(5, read(775, 1)), exception(3, ExceptionCode::kGatewayPathUnavailable));
  EXPECT_EQ(ask(239, read(840, 1)), exception(3, ExceptionCode::kGatewayPathUnavailable));
}

TEST_F(RegisterServerTest, UnmappedRegisterOrGapIsIllegalDataAddress) {
  EXPECT_EQ(ask(100, read(839, 1)), exception(3, ExceptionCode::kIllegalDataAddress));
  EXPECT_EQ(ask(100, read(844, 3)), exception(3, ExceptionCode::kIllegalDataAddress));  // past 845
  EXPECT_EQ(ask(239, read(774, 3)), exception(3, ExceptionCode::kIllegalDataAddress));  // 776 gap
  // The address is checked before the device: a gap at a unit with no device is still 2.
  EXPECT_EQ(ask(5, read(775, 2)), exception(3, ExceptionCode::kIllegalDataAddress));
}

TEST_F(RegisterServerTest, OtherFunctionsAreIllegalFunction) {
  EXPECT_EQ(ask(100, {0x01, 0, 0, 0, 1}), exception(1, ExceptionCode::kIllegalFunction));
  EXPECT_EQ(ask(100, {0x2B, 0x0E, 1, 0}), exception(0x2B, ExceptionCode::kIllegalFunction));
}

TEST_F(RegisterServerTest, InvalidAndMissingValuesReadAsNotAvailableOrZero) {
  model_.find("com.victronenergy.system")->set("/Dc/Battery/Current", model::Invalid{});
  // /Mode exists; /Dc/0/Current (777) is in the map but the MPPT has no such path.
  EXPECT_EQ(ask(100, read(841, 1)), (std::vector<std::uint8_t>{3, 2, 0x7F, 0xFF}));
  EXPECT_EQ(ask(239, read(777, 1)), (std::vector<std::uint8_t>{3, 2, 0x7F, 0xFF}));
  options_.invalid = gxlink::modbus::InvalidPolicy::kZero;
  EXPECT_EQ(ask(100, read(841, 1)), (std::vector<std::uint8_t>{3, 2, 0, 0}));
}

TEST_F(RegisterServerTest, WritesAreRefusedUntilEnabled) {
  EXPECT_EQ(ask(239, write1(774, 4)), exception(6, ExceptionCode::kIllegalDataAddress));
  EXPECT_TRUE(written_.empty());
}

TEST_F(RegisterServerTest, EnabledWriteReachesTheOwnerAndIsEchoed) {
  options_.writes = true;
  EXPECT_EQ(ask(239, write1(774, 4)), write1(774, 4));
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_EQ(model::as_int(written_[0]), 4);
}

TEST_F(RegisterServerTest, RefusedWritesAnswerWithAnException) {
  options_.writes = true;
  // Read-only row.
  EXPECT_EQ(ask(239, write1(775, 1)), exception(6, ExceptionCode::kIllegalDataAddress));
  // Out of the item's range (model check).
  EXPECT_EQ(ask(239, write1(774, 9)), exception(6, ExceptionCode::kServerDeviceFailure));
  // The owner refuses it.
  EXPECT_EQ(ask(239, write1(774, 2)), exception(6, ExceptionCode::kServerDeviceFailure));
  // W in the map but not writable in the model (no handler on /Dc/0/Current).
  EXPECT_EQ(ask(239, write1(777, 10)), exception(6, ExceptionCode::kIllegalDataAddress));
  // No device at the unit.
  EXPECT_EQ(ask(5, write1(774, 1)), exception(6, ExceptionCode::kGatewayPathUnavailable));
  // Half of a 32-bit value.
  EXPECT_EQ(ask(100, write1(2720, 1)), exception(6, ExceptionCode::kIllegalDataAddress));
  ASSERT_EQ(written_.size(), 1u);  // only the refused-by-owner one reached a handler
}

TEST_F(RegisterServerTest, WriteMultipleScalesBackEveryValue) {
  options_.writes = true;
  // 2720..2721 int32 -1500 W.
  const std::vector<std::uint8_t> pdu = {0x10, 0x0A, 0xA0, 0, 2, 4, 0xFF, 0xFF, 0xFA, 0x24};
  EXPECT_EQ(ask(100, pdu), (std::vector<std::uint8_t>{0x10, 0x0A, 0xA0, 0, 2}));
  ASSERT_EQ(written_.size(), 1u);
  EXPECT_DOUBLE_EQ(*model::as_double(written_[0]), -1500);
  // 2705 int16 scale 10: register 125 → 12.5 A.
  EXPECT_EQ(ask(100, write1(2705, 125)), write1(2705, 125));
  EXPECT_DOUBLE_EQ(*model::as_double(written_[1]), 12.5);
}

}  // namespace
}  // namespace gxlink::publishers::modbus
