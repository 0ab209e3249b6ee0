// SPDX-License-Identifier: MIT
#include "publishers/dbus/wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gxlink::publishers::dbus {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// A PropertiesChanged-shaped signal, laid out by hand from the D-Bus specification ("Message
// Format", "Marshaling"): 12-byte fixed header, the header-field array (each field 8-aligned),
// padding to 8, then the a{sv} body with an invalid Value (empty `ai`) and a Text.
// One line per field of the layout:
// clang-format off
constexpr std::uint8_t kSignal[] = {
    'l', 4, 1, 1, 52, 0, 0, 0, 7, 0, 0, 0,  // little endian, signal, no reply, v1, body 52, serial 7
    59, 0, 0, 0,                            // header fields: 59 bytes (16 is already 8-aligned)
    1, 1, 'o', 0, 2, 0, 0, 0, '/', 'a', 0,  // PATH "/a"
    0, 0, 0, 0, 0,                          // pad to 32
    2, 1, 's', 0, 3, 0, 0, 0, 'x', '.', 'y', 0,  // INTERFACE "x.y"
    0, 0, 0, 0,                                  // pad to 48
    3, 1, 's', 0, 1, 0, 0, 0, 'S', 0,            // MEMBER "S"
    0, 0, 0, 0, 0, 0,                            // pad to 64
    8, 1, 'g', 0, 5, 'a', '{', 's', 'v', '}', 0,  // SIGNATURE "a{sv}"
    0, 0, 0, 0, 0,                                // pad to 80: body
    44, 0, 0, 0, 0, 0, 0, 0,                      // a{sv}: 44 bytes, pad to 88
    5, 0, 0, 0, 'V', 'a', 'l', 'u', 'e', 0,       // "Value"
    2, 'a', 'i', 0,                               // variant signature "ai"
    0, 0,                                         // pad to 104
    0, 0, 0, 0,                                   // the empty array: length 0
    0, 0, 0, 0,                                   // pad to 112
    4, 0, 0, 0, 'T', 'e', 'x', 't', 0,            // "Text"
    1, 's', 0,                                    // variant signature "s"
    3, 0, 0, 0, '-', '-', '-', 0,                 // "---"
};
// clang-format on

TEST(DbusWire, SignalMatchesTheSpecificationByteForByte) {
  WireWriter w;
  w.begin_signal("/a", "x.y", "S", "a{sv}", 7);
  w.value_text(model::Invalid{}, "---");
  w.end_message();
  EXPECT_EQ(bytes(w.data()), std::vector<std::uint8_t>(std::begin(kSignal), std::end(kSignal)));
}

TEST(DbusWire, AlignmentIsRelativeToEachMessageInABatch) {
  // 132 bytes is not a multiple of 8: the second message must be padded as if it began at 0.
  WireWriter w;
  for (std::uint32_t serial : {7u, 7u}) {
    w.begin_signal("/a", "x.y", "S", "a{sv}", serial);
    w.value_text(model::Invalid{}, "---");
    w.end_message();
  }
  std::vector<std::uint8_t> twice(std::begin(kSignal), std::end(kSignal));
  twice.insert(twice.end(), std::begin(kSignal), std::end(kSignal));
  EXPECT_EQ(bytes(w.data()), twice);
}

TEST(DbusWire, NumbersUseTheSmallestVenusTypeAndEightByteAlignment) {
  WireWriter w;
  w.begin_signal("/", "i", "m", "v", 1);
  const std::size_t body = w.data().size();
  w.variant(std::int64_t{-2});
  EXPECT_EQ(bytes(w.data().substr(body)),
            (std::vector<std::uint8_t>{1, 'i', 0, 0, 0xFE, 0xFF, 0xFF, 0xFF}));
  w.clear();
  w.begin_signal("/", "i", "m", "v", 1);
  w.variant(1.0);  // "d" then pad to 8, IEEE 754 little endian
  EXPECT_EQ(bytes(w.data().substr(body)),
            (std::vector<std::uint8_t>{1, 'd', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F}));
}

TEST(DbusWire, StringsMustBeUtf8WithoutNul) {
  EXPECT_TRUE(is_dbus_string("12.5°C"));
  EXPECT_TRUE(is_dbus_string("\xF0\x9F\x94\x8B"));  // U+1F50B
  EXPECT_FALSE(is_dbus_string(std::string("a\0b", 3)));
  EXPECT_FALSE(is_dbus_string("\xFF"));
  EXPECT_FALSE(is_dbus_string("\xC0\x80"));      // overlong NUL
  EXPECT_FALSE(is_dbus_string("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(is_dbus_string("\xE2\x82"));      // truncated
  EXPECT_EQ(repair_utf8("bad\xFF!"), "bad\xEF\xBF\xBD!");
  EXPECT_EQ(repair_utf8("°C"), "°C");
  EXPECT_TRUE(is_dbus_string(repair_utf8("\xC0\x80\xED\xA0\x80 x")));
}

}  // namespace
}  // namespace gxlink::publishers::dbus
