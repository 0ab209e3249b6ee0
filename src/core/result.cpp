// SPDX-License-Identifier: MIT
#include "core/result.hpp"

namespace gxlink {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gxlink"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk: return "ok";
      case Errc::kTruncated: return "truncated";
      case Errc::kBadChecksum: return "bad checksum";
      case Errc::kBadLength: return "bad length";
      case Errc::kBadFormat: return "bad format";
      case Errc::kUnknownId: return "unknown id";
      case Errc::kOutOfRange: return "out of range";
      case Errc::kNotAvailable: return "not available";
      case Errc::kUnsupported: return "unsupported";
      case Errc::kTimeout: return "timeout";
      case Errc::kAborted: return "aborted";
      case Errc::kBusy: return "busy";
      case Errc::kSequence: return "out of sequence";
      case Errc::kIo: return "i/o error";
      case Errc::kRefused: return "refused";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category kCategory;
  return kCategory;
}

std::string Error::message() const {
  std::string s = make_error_code(code).message();
  if (offset) s += " at byte " + std::to_string(*offset);
  if (!detail.empty()) s += ": " + detail;
  return s;
}

}  // namespace gxlink
