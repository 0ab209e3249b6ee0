// SPDX-License-Identifier: MIT
// Untrusted bytes from any HTTP client into the dashboard's request parser. The first byte picks
// a chunk size so that split requests are exercised too; the parser must never read outside its
// input, never return a request with views outside its buffer, and stay bounded.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "publishers/web/http_request.hpp"

using namespace gxlink;
using namespace gxlink::publishers::web;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  ByteView in(data + 1, size - 1);
  RequestParser parser;
  while (!in.empty()) {
    ByteView piece = in.first(std::min(chunk, in.size()));
    in = in.subspan(piece.size());
    while (!piece.empty()) {
      const auto r = parser.take(piece);
      if (r.consumed > piece.size()) std::abort();
      piece = piece.subspan(r.consumed);
      if (r.status == TakeStatus::kRequest) {
        const auto& q = *r.request;
        if (q.method.empty() || q.target.empty() || q.version_minor < 0 || q.version_minor > 1)
          std::abort();
        if (q.content_length > kMaxBodyBytes) std::abort();
        volatile char sink = q.method[0] ^ q.target[q.target.size() - 1];
        (void)sink;
      } else if (r.status == TakeStatus::kBad) {
        if (r.http_status < 400 || r.http_status > 505) std::abort();
        parser.reset();
      } else if (!piece.empty()) {
        std::abort();  // kNeedMore must consume everything
      }
    }
  }
  return 0;
}
