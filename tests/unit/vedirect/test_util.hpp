// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the VE.Direct tests: read files, run the framer over a byte string in chunks
// and turn every result into one comparable line.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocols/vedirect/framer.hpp"

namespace gxlink::vedirect::test {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ../shared/data, or $GXLINK_SHARED_DATA when set (a worktree elsewhere).
inline std::filesystem::path shared_data_root() {
  if (const char* env = std::getenv("GXLINK_SHARED_DATA")) return env;
  return GXLINK_SHARED_DATA;
}

inline bool shared_data_available() {
  return std::filesystem::exists(shared_data_root() / "vedirect");
}

inline std::filesystem::path shared_capture(const char* name) {
  return shared_data_root() / "vedirect" / name;
}

/// One line per framer result: "T PID=0x203;V=12065;..." / "H :A...|cmd" / "B reason".
struct Events {
  std::vector<std::string> lines;
  std::size_t text = 0, hex = 0, bad_text = 0, bad_hex = 0;
};

inline void describe(const TakeResult& r, Events& ev) {
  if (r.status == TakeStatus::kFrame && r.kind == FrameKind::kText) {
    std::string s = "T ";
    for (const auto& f : *r.text) {
      s.append(f.label);
      s += '=';
      s.append(f.value);
      s += ';';
    }
    ev.lines.push_back(std::move(s));
    ++ev.text;
  } else if (r.status == TakeStatus::kFrame) {
    ev.lines.push_back("H " + std::string(r.hex_text));
    ++ev.hex;
  } else if (r.status == TakeStatus::kBad) {
    ev.lines.push_back(std::string(r.hex_error ? "BH " : "BT ") + r.error.detail);
    (r.hex_error ? ev.bad_hex : ev.bad_text)++;
  }
}

/// Feeds `bytes` to a fresh framer in the given chunks (sizes cycle; 0 = all at once).
inline Events run_framer(const std::string& bytes, const std::vector<std::size_t>& chunks = {0}) {
  Framer f;
  Events ev;
  const ByteView all = as_bytes(bytes);
  std::size_t pos = 0, ci = 0;
  while (pos < all.size()) {
    std::size_t n = chunks[ci++ % chunks.size()];
    if (n == 0 || pos + n > all.size()) n = all.size() - pos;
    ByteView chunk = all.subspan(pos, n);
    std::size_t off = 0;
    while (off < chunk.size()) {
      auto r = f.take(chunk.subspan(off));
      off += r.consumed;
      describe(r, ev);
      if (r.status == TakeStatus::kNeedMore) break;
    }
    pos += n;
  }
  return ev;
}

/// Feeds [0, split) then [split, end).
inline Events run_split(const std::string& bytes, std::size_t split) {
  Framer f;
  Events ev;
  const ByteView all = as_bytes(bytes);
  for (ByteView chunk : {all.subspan(0, split), all.subspan(split)}) {
    std::size_t off = 0;
    while (off < chunk.size()) {
      auto r = f.take(chunk.subspan(off));
      off += r.consumed;
      describe(r, ev);
      if (r.status == TakeStatus::kNeedMore) break;
    }
  }
  return ev;
}

}  // namespace gxlink::vedirect::test
