// SPDX-License-Identifier: MIT
#pragma once
/// The pure half of bounded logging (issue 11 item 8): a value from a device or a bus client is
/// cut to a few hundred bytes before it reaches the log, and a message that repeats (a client
/// hammering SetValue, a device sending garbage) is written once per interval with a count of what
/// was left out. Nothing here logs or reads a clock, so protocols may use it and tests drive it
/// with fake time; drivers and publishers pass the result to spdlog.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/text.hpp"
#include "core/time.hpp"

namespace gxlink {

/// `s` as one short, printable log field: control characters (a newline would forge a log line)
/// become `\xNN`, and beyond `max` bytes the text is cut at a UTF-8 character boundary and
/// `…(N bytes)` with the original size is appended. Short clean strings come back unchanged.
inline std::string truncate_for_log(std::string_view s, std::size_t max = 200) {
  const std::size_t cut = utf8_truncate(s, max).size();
  std::string out;
  out.reserve(cut + 24);
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < cut; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut < s.size()) out += "\xE2\x80\xA6(" + std::to_string(s.size()) + " bytes)";
  return out;
}

/// Says whether a message with a given key may be logged now: the first one of a key is, then at
/// most one per `interval`; the ones in between are counted and reported with the next that is
/// logged. Keys often come from untrusted input (a service name, a D-Bus sender), so at most
/// `max_keys` are remembered: when full, keys idle for an interval are dropped, and a new key
/// beyond that shares one overflow slot (still rate-limited, never unbounded).
class RateLimiter {
 public:
  struct Decision {
    bool emit = false;
    std::uint64_t suppressed = 0;  ///< left out since the last emitted message of this key
    explicit operator bool() const noexcept { return emit; }
  };

  explicit RateLimiter(Duration interval = seconds(10), std::size_t max_keys = 256)
      : interval_(interval), max_keys_(max_keys == 0 ? 1 : max_keys) {}

  Decision check(std::string_view key, TimePoint now) {
    auto it = entries_.find(std::string(key));
    if (it == entries_.end()) {
      if (entries_.size() >= max_keys_) prune(now);
      if (entries_.size() >= max_keys_) {
        it = entries_.find(kOverflow);
        if (it == entries_.end()) it = entries_.emplace(kOverflow, Entry{}).first;
      } else {
        it = entries_.emplace(std::string(key), Entry{}).first;
      }
    }
    Entry& e = it->second;
    if (!e.logged_once || now - e.last >= interval_) {
      Decision d{true, e.suppressed};
      e.logged_once = true;
      e.last = now;
      e.suppressed = 0;
      return d;
    }
    ++e.suppressed;
    return {};
  }

  std::size_t keys() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    bool logged_once = false;
    TimePoint last{};
    std::uint64_t suppressed = 0;
  };
  static constexpr const char* kOverflow = "\x01overflow";

  void prune(TimePoint now) {
    // An idle key with a suppressed count loses it; that count is at most one interval old.
    std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last >= interval_; });
  }

  Duration interval_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Entry> entries_;
};

/// " (N similar messages suppressed)" when `d` reports some, else "": the tail of a limited line.
inline std::string suppressed_note(const RateLimiter::Decision& d) {
  if (d.suppressed == 0) return {};
  return " (" + std::to_string(d.suppressed) + " similar messages suppressed)";
}

}  // namespace gxlink
