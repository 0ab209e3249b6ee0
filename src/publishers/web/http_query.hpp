// SPDX-License-Identifier: MIT
#pragma once
/// Query-string parameters of a request target (`/api/history?service=S&path=%2FSoc`), for the
/// API routes. Sans-I/O; never throws.

#include <optional>
#include <string>
#include <string_view>

namespace gxlink::publishers::http {

/// Percent-decodes a query component ('+' is a space, as HTML forms send it). nullopt for a bad
/// escape ("%4", "%zz") or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view s);

/// The decoded value of the first `name=` parameter in `target`'s query; nullopt when absent or
/// badly escaped. A parameter without '=' has the value "".
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace gxlink::publishers::http
