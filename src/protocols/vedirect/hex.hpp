// SPDX-License-Identifier: MIT
#pragma once
/// VE.Direct HEX codec (vedirect_vebus.md §2.1-§2.2): `:<cmd nibble><payload hex><checksum hex>\n`,
/// where command + every payload byte + checksum ≡ 0x55 (mod 256). GET/SET/ASYNC payloads are
/// `register id (u16 LE) + flags (u8) + value (LE)`. Pure functions, no allocation.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace gxlink::vedirect {

inline constexpr std::size_t kMaxHexPayload =
    80;  ///< longest seen: ~39 bytes (§2.4); use twice that
/// ':' + command + 2 digits per payload byte + checksum + optional '\r'.
inline constexpr std::size_t kMaxHexChars = 1 + 1 + 2 * kMaxHexPayload + 2 + 1;

/// Command nibbles host → device (§2.2).
enum class HexCommand : std::uint8_t {
  kEnterBoot = 0x0,
  kPing = 0x1,
  kAppVersion = 0x3,
  kProductId = 0x4,
  kRestart = 0x6,
  kGet = 0x7,
  kSet = 0x8,
  kAsync = 0xA,
};

/// Response nibbles device → host (§2.2).
enum class HexResponse : std::uint8_t {
  kDone = 0x1,       ///< reply to app version / product id (u16 payload)
  kUnknown = 0x3,    ///< unknown command
  kError = 0x4,      ///< frame or checksum error (`:4AAAAFD`)
  kPingReply = 0x5,  ///< reply to ping (version word)
  kGet = 0x7,
  kSet = 0x8,
  kAsync = 0xA,
};

/// Flags byte of GET/SET/ASYNC replies (go-victron, §2.2).
inline constexpr std::uint8_t kFlagUnknownId = 0x01;
inline constexpr std::uint8_t kFlagNotSupported = 0x02;
inline constexpr std::uint8_t kFlagParameterError = 0x04;

using HexPayload = Frame<kMaxHexPayload>;
/// An encoded frame, ':' through '\n'.
using HexText = Frame<kMaxHexChars + 1>;

struct HexMessage {
  std::uint8_t command = 0;
  HexPayload payload;
  friend bool operator==(const HexMessage& a, const HexMessage& b) noexcept {
    return a.command == b.command && a.payload == b.payload;
  }
};

/// A GET/SET/ASYNC payload split into its parts.
struct RegisterAccess {
  std::uint16_t id = 0;
  std::uint8_t flags = 0;
  HexPayload value;  ///< little-endian value bytes (may be empty in a GET request)
};

/// Decodes one frame. `text` starts with ':' and holds the digits; a trailing "\n" or "\r\n" is
/// accepted. Upper- and lower-case digits are accepted. Errors: kBadFormat (not ':', odd digit
/// count, non-hex character), kBadLength (too long or no checksum), kBadChecksum.
Result<HexMessage> decode_hex(std::string_view text) noexcept;

/// Encodes `msg` as ":<C><payload><checksum>\n" with upper-case digits.
HexText encode_hex(const HexMessage& msg) noexcept;

/// The checksum byte that makes command + payload + checksum ≡ 0x55.
std::uint8_t hex_checksum(std::uint8_t command, ByteView payload) noexcept;

/// Splits a GET/SET/ASYNC payload (command 7, 8 or A). kBadLength when shorter than id + flags.
Result<RegisterAccess> parse_register(const HexMessage& msg) noexcept;

/// The u16 of a Done (1) or ping reply (5): app version, product id or firmware word.
Result<std::uint16_t> parse_word(const HexMessage& msg) noexcept;

HexMessage make_ping() noexcept;
HexMessage make_app_version() noexcept;
HexMessage make_product_id() noexcept;
HexMessage make_restart() noexcept;
/// GET request: id + flags 0.
HexMessage make_get(std::uint16_t reg) noexcept;
/// SET request (or, with command 7/8/A, a device-side reply/notification): id + flags + value.
HexMessage make_register(HexCommand command, std::uint16_t reg, std::uint8_t flags,
                         ByteView value) noexcept;
HexMessage make_set(std::uint16_t reg, ByteView value) noexcept;
/// A reply with a 16-bit word payload (Done = 1, ping reply = 5, unknown = 3, error = 4).
HexMessage make_word_reply(HexResponse r, std::uint16_t word) noexcept;

/// "ping", "get", "async" … for logs and JSON.
std::string_view command_name(std::uint8_t command, bool from_device) noexcept;

}  // namespace gxlink::vedirect
