// SPDX-License-Identifier: MIT
#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/bytes.hpp"
#include "core/text.hpp"

namespace gxlink {
namespace {

std::string str(std::string_view s) {
  std::string out;
  append_json_string(s, out);
  return out;
}

TEST(JsonWriter, StringsAreEscapedAndAlwaysValid) {
  EXPECT_EQ(str("V"), "\"V\"");
  EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(str("\r\n\t\x01"), "\"\\r\\n\\t\\u0001\"");
  EXPECT_EQ(str("26 \xC2\xB0"
                "C"),
            "\"26 \xC2\xB0"
            "C\"");                               // UTF-8 kept
  EXPECT_EQ(str("\xFF.6.0"), "\"\\u00ff.6.0\"");  // not UTF-8: Latin-1
  EXPECT_EQ(str(std::string_view("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(JsonWriter, NestingAndCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("kind");
  w.string("text");
  w.key("fields");
  w.begin_object();
  w.key("V");
  w.string("12800");
  w.key("I");
  w.string("-150");
  w.end_object();
  w.key("list");
  w.begin_array();
  w.integer(1);
  w.number(2.5);
  w.real(3);
  w.boolean(true);
  w.null();
  w.begin_object();
  w.end_object();
  w.end_array();
  w.end_object();
  EXPECT_EQ(out,
            R"({"kind":"text","fields":{"V":"12800","I":"-150"},"list":[1,2.5,3.0,true,null,{}]})");
  EXPECT_TRUE(nlohmann::json::parse(out, nullptr, false).is_object());
}

TEST(JsonWriter, NumbersMatchTheirType) {
  std::string out;
  append_json_number(12.0, out);
  out += ' ';
  append_json_double(12.0, out);
  out += ' ';
  append_json_double(0.1, out);
  out += ' ';
  append_json_double(1e300 * 1e300, out);
  out += ' ';
  append_json_integer(-9223372036854775807 - 1, out);
  EXPECT_EQ(out, "12 12.0 0.1 null -9223372036854775808");
}

// The property every decoder relies on: any bytes give JSON that parses, and a string that is
// not UTF-8 reads back as device_text() makes it (so decode prints what the model holds).
TEST(JsonWriter, AnyBytesGiveParsableJsonThatMatchesDeviceText) {
  std::mt19937 rng(13);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 20, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 3 ? rng() % 128 + 1 : rng());
    if (s.find('\0') != std::string::npos) continue;
    const auto j = nlohmann::json::parse(str(s), nullptr, false);
    ASSERT_TRUE(j.is_string()) << str(s);
    EXPECT_EQ(j.get<std::string>(), device_text(s));
  }
}

// The decoders write into a JsonBuffer and use member() and hex(): the same text, byte for byte,
// as the std::string writer with key() + string() and to_hex(), for any bytes.
TEST(JsonWriter, BufferOutputMatchesStringOutput) {
  std::mt19937 rng(5);
  auto random_text = [&rng] {
    std::string s(rng() % 24, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 4 ? rng() % 95 + 32 : rng());
    return s;
  };
  JsonBuffer buf;
  for (int i = 0; i < 5000; ++i) {
    const std::string k = random_text(), v = random_text(), bytes = random_text();
    const double x = static_cast<double>(static_cast<std::int32_t>(rng())) /
                     static_cast<double>(1 + rng() % 1000);
    std::string expected;
    JsonWriter ws(expected);
    ws.begin_object();
    ws.key(k);
    ws.string(v);
    ws.key("n");
    ws.number(x);
    ws.key("r");
    ws.real(x);
    ws.key("hex");
    ws.string(to_hex(as_bytes(bytes)));
    ws.end_object();

    buf.clear();
    JsonLineWriter wb(buf);
    wb.begin_object();
    wb.member(k, v);
    wb.key("n");
    wb.number(x);
    wb.key("r");
    wb.real(x);
    wb.key("hex");
    wb.hex(as_bytes(bytes));
    wb.end_object();
    ASSERT_EQ(buf.view(), expected);
    ASSERT_TRUE(nlohmann::json::parse(buf.view(), nullptr, false).is_object()) << expected;
  }
}

TEST(JsonWriter, BufferKeepsLinesAcrossGrowth) {
  JsonBuffer buf;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string v(static_cast<std::size_t>(i % 300), static_cast<char>('a' + i % 26));
    JsonLineWriter w(buf);
    w.begin_object();
    w.member("i", v);
    w.end_object();
    buf += '\n';
    expected += "{\"i\":\"" + v + "\"}\n";
  }
  EXPECT_EQ(buf.view(), expected);
  buf.clear();
  EXPECT_TRUE(buf.empty());
}

}  // namespace
}  // namespace gxlink
