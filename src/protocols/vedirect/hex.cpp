// SPDX-License-Identifier: MIT
#include "protocols/vedirect/hex.hpp"

namespace gxlink::vedirect {
namespace {

constexpr char kDigits[] = "0123456789ABCDEF";

}  // namespace

std::uint8_t hex_checksum(std::uint8_t command, ByteView payload) noexcept {
  unsigned sum = command;
  for (auto b : payload) sum += b;
  return static_cast<std::uint8_t>(0x55u - sum);
}

Result<HexMessage> decode_hex(std::string_view text) noexcept {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty() || text[0] != ':')
    return fail(Errc::kBadFormat, "HEX frame must start with ':'");
  if (text.size() < 4) return fail(Errc::kBadLength, "HEX frame too short");
  if (text.size() > kMaxHexChars) return fail(Errc::kBadLength, "HEX frame too long");
  // After ':' and the command nibble come byte pairs: payload then checksum.
  const std::string_view pairs = text.substr(2);
  if (pairs.size() % 2 != 0) return fail(Errc::kBadFormat, "odd number of HEX digits");
  const int cmd = hex_digit_value(text[1]);
  if (cmd < 0) return fail(Errc::kBadFormat, "bad HEX command digit");
  HexMessage msg;
  msg.command = static_cast<std::uint8_t>(cmd);
  unsigned sum = msg.command;
  const std::size_t n = pairs.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_digit_value(pairs[2 * i]);
    const int lo = hex_digit_value(pairs[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::kBadFormat, "non-hex character in HEX frame");
    const auto b = static_cast<std::uint8_t>(hi << 4 | lo);
    sum += b;
    if (i + 1 < n) msg.payload.push_back(b);
  }
  if ((sum & 0xFFu) != 0x55u) return fail(Errc::kBadChecksum, "HEX checksum is not 0x55");
  return msg;
}

HexText encode_hex(const HexMessage& msg) noexcept {
  HexText out;
  out.push_back(':');
  out.push_back(static_cast<std::uint8_t>(kDigits[msg.command & 0x0F]));
  auto put = [&](std::uint8_t b) {
    out.push_back(static_cast<std::uint8_t>(kDigits[b >> 4]));
    out.push_back(static_cast<std::uint8_t>(kDigits[b & 0x0F]));
  };
  for (auto b : msg.payload.view()) put(b);
  put(hex_checksum(msg.command & 0x0F, msg.payload.view()));
  out.push_back('\n');
  return out;
}

Result<RegisterAccess> parse_register(const HexMessage& msg) noexcept {
  if (msg.command != 0x7 && msg.command != 0x8 && msg.command != 0xA)
    return fail(Errc::kUnsupported, "not a GET/SET/ASYNC frame");
  const ByteView p = msg.payload.view();
  if (p.size() < 3) return fail(Errc::kBadLength, "register frame needs id and flags");
  RegisterAccess r;
  r.id = load_le16(p, 0);
  r.flags = p[2];
  for (std::size_t i = 3; i < p.size(); ++i) r.value.push_back(p[i]);
  return r;
}

Result<std::uint16_t> parse_word(const HexMessage& msg) noexcept {
  if (msg.payload.size < 2) return fail(Errc::kBadLength, "reply needs a 16-bit word");
  return load_le16(msg.payload.view(), 0);
}

HexMessage make_ping() noexcept { return {static_cast<std::uint8_t>(HexCommand::kPing), {}}; }
HexMessage make_app_version() noexcept {
  return {static_cast<std::uint8_t>(HexCommand::kAppVersion), {}};
}
HexMessage make_product_id() noexcept {
  return {static_cast<std::uint8_t>(HexCommand::kProductId), {}};
}
HexMessage make_restart() noexcept { return {static_cast<std::uint8_t>(HexCommand::kRestart), {}}; }

HexMessage make_register(HexCommand command, std::uint16_t reg, std::uint8_t flags,
                         ByteView value) noexcept {
  HexMessage m;
  m.command = static_cast<std::uint8_t>(command);
  m.payload.push_back(static_cast<std::uint8_t>(reg));
  m.payload.push_back(static_cast<std::uint8_t>(reg >> 8));
  m.payload.push_back(flags);
  for (auto b : value) m.payload.push_back(b);
  return m;
}

HexMessage make_get(std::uint16_t reg) noexcept {
  return make_register(HexCommand::kGet, reg, 0, {});
}
HexMessage make_set(std::uint16_t reg, ByteView value) noexcept {
  return make_register(HexCommand::kSet, reg, 0, value);
}

HexMessage make_word_reply(HexResponse r, std::uint16_t word) noexcept {
  HexMessage m;
  m.command = static_cast<std::uint8_t>(r);
  m.payload.push_back(static_cast<std::uint8_t>(word));
  m.payload.push_back(static_cast<std::uint8_t>(word >> 8));
  return m;
}

std::string_view command_name(std::uint8_t command, bool from_device) noexcept {
  if (from_device) {
    switch (command) {
      case 0x1: return "done";
      case 0x3: return "unknown";
      case 0x4: return "error";
      case 0x5: return "ping";
      case 0x7: return "get";
      case 0x8: return "set";
      case 0xA: return "async";
      default: return "other";
    }
  }
  switch (command) {
    case 0x0: return "enter_boot";
    case 0x1: return "ping";
    case 0x3: return "app_version";
    case 0x4: return "product_id";
    case 0x6: return "restart";
    case 0x7: return "get";
    case 0x8: return "set";
    case 0xA: return "async";
    default: return "other";
  }
}

}  // namespace gxlink::vedirect
