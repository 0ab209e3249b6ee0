// SPDX-License-Identifier: MIT
#pragma once
// Everything spdlog writes while a LogCapture lives, for tests that count log lines (issue 11
// item 8: repeated messages are rate-limited, logged values truncated).

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace gxlink::test {

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()), previous_level_(spdlog::get_level()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    spdlog::set_level(spdlog::level::info);
  }
  ~LogCapture() {
    spdlog::set_default_logger(previous_);
    spdlog::set_level(previous_level_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  /// The lines written so far that contain `needle`.
  std::vector<std::string> lines(const std::string& needle) {
    spdlog::default_logger()->flush();
    std::vector<std::string> found;
    std::istringstream in(out_.str());
    for (std::string l; std::getline(in, l);)
      if (l.find(needle) != std::string::npos) found.push_back(l);
    return found;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
  spdlog::level::level_enum previous_level_;
};

}  // namespace gxlink::test
