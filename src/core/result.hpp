// SPDX-License-Identifier: MIT
#pragma once
/// Result<T> and the error codes shared by every protocol library (STYLE.md rule 5).
/// Protocol code returns errors as values; exceptions are for start-up and configuration only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include <tl/expected.hpp>

namespace gxlink {

enum class Errc {
  kOk = 0,
  kTruncated,     ///< input ended before the frame or field was complete
  kBadChecksum,   ///< checksum or CRC did not match
  kBadLength,     ///< a length field or DLC is not what the message needs
  kBadFormat,     ///< bytes that do not follow the grammar (bad hex digit, missing delimiter)
  kUnknownId,     ///< an id, PGN, register or command that the tables do not know
  kOutOfRange,    ///< a value outside what the protocol or device allows
  kNotAvailable,  ///< the sender marked the value as not available
  kUnsupported,   ///< understood but not supported by this implementation
  kTimeout,       ///< a peer did not answer in time
  kAborted,       ///< the peer aborted a transfer
  kBusy,          ///< a transfer or request is already in flight
  kSequence,      ///< a sequence or toggle bit out of order
  kIo,            ///< a transport failure (only drivers and transports produce it)
  kRefused,       ///< a write was refused by a safety rule or by the peer
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// A small error value: the code, an optional byte offset into the input, and an optional detail
/// that names what was wrong ("0x351 needs 6 bytes, got 4").
struct Error {
  Errc code = Errc::kOk;
  std::optional<std::size_t> offset;
  std::string detail;

  Error() = default;
  Error(Errc c)
      : code(c) {
  }  // NOLINT(google-explicit-constructor): lets `return Errc::kTruncated;` read well
  Error(Errc c, std::string d) : code(c), detail(std::move(d)) {}
  Error(Errc c, std::size_t at, std::string d) : code(c), offset(at), detail(std::move(d)) {}

  /// "bad checksum at byte 12: ..." — for logs and stderr.
  std::string message() const;
  friend bool operator==(const Error& a, const Error& b) noexcept { return a.code == b.code; }
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Errc c, std::string detail = {}) {
  return tl::unexpected<Error>(Error{c, std::move(detail)});
}

}  // namespace gxlink

template <>
struct std::is_error_code_enum<gxlink::Errc> : std::true_type {};
