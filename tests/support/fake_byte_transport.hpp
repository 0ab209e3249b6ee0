// SPDX-License-Identifier: MIT
#pragma once
// A ByteTransport for sans-I/O driver tests: writes go to a handler (or are recorded), and the test
// injects received bytes and open/close events with the time it chooses.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "transport/byte_transport.hpp"

namespace gxlink::test {

class FakeByteTransport final : public transport::ByteTransport {
 public:
  explicit FakeByteTransport(std::string name = "fake") : name_(std::move(name)) {}

  std::string_view name() const override { return name_; }
  bool write(ByteView bytes) override {
    if (!open_) return false;
    if (on_write)
      on_write(bytes);
    else
      written.insert(written.end(), bytes.begin(), bytes.end());
    return true;
  }
  bool is_open() const override { return open_; }

  /// Bytes from the device at `t`.
  void inject(ByteView bytes, TimePoint t) { deliver(bytes, t); }
  /// The link opened (true) or closed with `reason`.
  void set_open(bool open, const std::string& reason = {}) {
    open_ = open;
    report_state(open, reason);
  }

  /// Where writes go; when unset they are appended to `written`.
  std::function<void(ByteView)> on_write;
  std::vector<std::uint8_t> written;

 private:
  std::string name_;
  bool open_ = true;  ///< open from the start: tests drive time without start()
};

}  // namespace gxlink::test
