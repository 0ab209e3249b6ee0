// SPDX-License-Identifier: MIT
#include "protocols/modbus/mbap.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace gxlink::modbus {
namespace {

// Read holding registers 840..846 at unit 100: MAP §6.3 example layout with an MBAP header.
constexpr std::uint8_t kRead[] = {0x00, 0x2A, 0x00, 0x00, 0x00, 0x06,
                                  0x64, 0x03, 0x03, 0x48, 0x00, 0x07};
// Write multiple registers: 2 registers at 2700 (0x0A8C), values 0x0001 0xFFFE (MAP §6.12).
constexpr std::uint8_t kWrite16[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x0B, 0x64, 0x10, 0x0A,
                                     0x8C, 0x00, 0x02, 0x04, 0x00, 0x01, 0xFF, 0xFE};

TEST(ModbusMbap, WholeFrameIsTaken) {
  const auto r = take_adu(kRead);
  ASSERT_EQ(r.status, TakeStatus::kFrame);
  EXPECT_EQ(r.consumed, sizeof kRead);
  EXPECT_EQ(r.adu.transaction, 0x2A);
  EXPECT_EQ(r.adu.unit, 100);
  ASSERT_EQ(r.adu.pdu.size(), 5u);
  const auto p = parse_request(r.adu.pdu);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.request.function, Function::kReadHoldingRegisters);
  EXPECT_EQ(p.request.address, 840);
  EXPECT_EQ(p.request.quantity, 7);
}

// Beast-style grind: every prefix needs more, the whole frame is one frame, and two frames back
// to back split at every offset still give two frames with the same content.
TEST(ModbusMbap, EveryPrefixNeedsMoreAndSplitsGiveTheSameFrames) {
  for (std::size_t n = 0; n < sizeof kRead; ++n)
    EXPECT_EQ(take_adu(ByteView(kRead, n)).status, TakeStatus::kNeedMore) << n;
  std::vector<std::uint8_t> stream(kRead, kRead + sizeof kRead);
  stream.insert(stream.end(), kWrite16, kWrite16 + sizeof kWrite16);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    std::vector<std::uint8_t> buf;
    std::vector<std::vector<std::uint8_t>> pdus;
    auto feed = [&](std::size_t from, std::size_t to) {
      buf.insert(buf.end(), stream.begin() + static_cast<std::ptrdiff_t>(from),
                 stream.begin() + static_cast<std::ptrdiff_t>(to));
      while (true) {
        const auto r = take_adu(buf);
        ASSERT_NE(r.status, TakeStatus::kBad);
        if (r.status != TakeStatus::kFrame) break;
        pdus.emplace_back(r.adu.pdu.begin(), r.adu.pdu.end());
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      }
    };
    feed(0, split);
    feed(split, stream.size());
    ASSERT_EQ(pdus.size(), 2u) << split;
    EXPECT_EQ(pdus[0], std::vector<std::uint8_t>(kRead + 7, kRead + sizeof kRead));
    EXPECT_EQ(pdus[1], std::vector<std::uint8_t>(kWrite16 + 7, kWrite16 + sizeof kWrite16));
    EXPECT_TRUE(buf.empty());
  }
}

TEST(ModbusMbap, ForeignProtocolIdOrImpossibleLengthIsBad) {
  std::vector<std::uint8_t> f(kRead, kRead + sizeof kRead);
  f[3] = 1;  // protocol id 1
  EXPECT_EQ(take_adu(f).status, TakeStatus::kBad);
  f[3] = 0;
  f[5] = 1;  // length 1: a unit id and no function code
  EXPECT_EQ(take_adu(f).status, TakeStatus::kBad);
  f[4] = 0x01;
  f[5] = 0x00;  // length 256: beyond a 253-byte PDU
  EXPECT_EQ(take_adu(f).status, TakeStatus::kBad);
}

TEST(ModbusPdu, WriteMultipleIsParsed) {
  const auto p = parse_request(take_adu(kWrite16).adu.pdu);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.request.function, Function::kWriteMultipleRegisters);
  EXPECT_EQ(p.request.address, 2700);
  EXPECT_EQ(p.request.quantity, 2);
  EXPECT_EQ(p.request.values[0], 0x0001);
  EXPECT_EQ(p.request.values[1], 0xFFFE);
}

TEST(ModbusPdu, UnsupportedFunctionIsIllegalFunction) {
  constexpr std::uint8_t kReadCoils[] = {0x01, 0x00, 0x00, 0x00, 0x01};
  constexpr std::uint8_t kDiagnostics[] = {0x08, 0x00, 0x00, 0x12, 0x34};
  for (ByteView pdu : {ByteView(kReadCoils), ByteView(kDiagnostics)}) {
    const auto p = parse_request(pdu);
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.exception, ExceptionCode::kIllegalFunction);
  }
}

TEST(ModbusPdu, BadQuantitiesAndByteCountsAreIllegalDataValue) {
  const std::vector<std::vector<std::uint8_t>> bad = {
      {0x03, 0x00, 0x00, 0x00, 0x00},                    // read 0 registers
      {0x04, 0x00, 0x00, 0x00, 0x7E},                    // read 126 registers
      {0x03, 0x00, 0x00, 0x00},                          // short PDU
      {0x06, 0x00, 0x00, 0x00, 0x01, 0x00},              // long PDU
      {0x10, 0x00, 0x00, 0x00, 0x01, 0x04, 0, 1, 0, 2},  // byte count 4 for 1 register
      {0x10, 0x00, 0x00, 0x00, 0x02, 0x04, 0, 1, 0},     // fewer bytes than announced
      {0x10, 0x00, 0x00, 0x00, 0x7C, 0xF8},              // 124 registers
  };
  for (const auto& pdu : bad) {
    const auto p = parse_request(pdu);
    EXPECT_FALSE(p.ok);
    EXPECT_EQ(p.exception, ExceptionCode::kIllegalDataValue) << int{pdu[0]} << " " << pdu.size();
  }
}

TEST(ModbusPdu, ReadPastTheLastRegisterIsIllegalDataAddress) {
  constexpr std::uint8_t kPdu[] = {0x03, 0xFF, 0xFF, 0x00, 0x02};
  const auto p = parse_request(kPdu);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.exception, ExceptionCode::kIllegalDataAddress);
}

TEST(ModbusPdu, ResponsesCarryTheRequestHeader) {
  const auto adu = take_adu(kRead).adu;
  std::array<std::uint8_t, kMaxAduSize> out{};
  const std::uint16_t regs[] = {0x1234, 0xABCD};
  ASSERT_EQ(encode_read_response(out, adu, Function::kReadHoldingRegisters, regs), 13u);
  const std::vector<std::uint8_t> want = {0x00, 0x2A, 0x00, 0x00, 0x00, 0x07, 0x64,
                                          0x03, 0x04, 0x12, 0x34, 0xAB, 0xCD};
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + 13), want);
  ASSERT_EQ(encode_exception(out, adu, 0x03, ExceptionCode::kGatewayPathUnavailable), 9u);
  const std::vector<std::uint8_t> exc = {0x00, 0x2A, 0x00, 0x00, 0x00, 0x03, 0x64, 0x83, 0x0A};
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + 9), exc);
}

}  // namespace
}  // namespace gxlink::modbus
