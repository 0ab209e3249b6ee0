// SPDX-License-Identifier: MIT
#include "transport/device_discovery.hpp"

#include <fcntl.h>
#include <linux/serial.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
#include <string_view>
#include <tuple>

namespace gxlink::transport {
namespace fs = std::filesystem;
namespace {

// On-board UART names: the kernel creates these nodes whether or not a UART answers at the
// address, so they are kept only when TIOCGSERIAL reports a port type (PORT_UNKNOWN = 0 otherwise).
bool is_onboard_name(const std::string& name) {
  return name.rfind("ttyS", 0) == 0 || name.rfind("ttyAMA", 0) == 0;
}

bool has_uart(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno == EACCES || errno == EBUSY;  // exists but not ours: list it
  serial_struct ss{};
  const bool ok = ::ioctl(fd, TIOCGSERIAL, &ss) != 0 || ss.type != PORT_UNKNOWN;
  ::close(fd);
  return ok;
}

bool numbered(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.rfind(prefix, 0) != 0) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// ttyUSB10 after ttyUSB9. The trailing numbers compare as digit strings (leading zeros dropped,
// then shorter first), not through stoul: a name with more digits than an unsigned long holds
// (any root-made udev link or interface name) must sort, not throw out_of_range.
bool natural_less(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    std::size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
    std::string_view digits(s);
    digits.remove_prefix(i);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    return std::tuple(std::string_view(s).substr(0, i), digits.size(), digits);
  };
  return split(a) < split(b);
}

}  // namespace

std::string kernel_device_name(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_symlink(p, ec)) {
    const auto target = fs::canonical(p, ec);
    if (!ec && p.string().find("/serial/") != std::string::npos) return target.filename().string();
  }
  return p.filename().string();
}

std::vector<SerialPortInfo> list_serial_ports(const fs::path& dev) {
  std::vector<SerialPortInfo> out;
  std::set<std::string> linked;  // canonical paths a by-id link already names
  std::error_code ec;
  std::vector<fs::path> links;
  for (const auto& e : fs::directory_iterator(dev / "serial" / "by-id", ec))
    links.push_back(e.path());
  std::sort(links.begin(), links.end());
  for (const auto& l : links) {
    const auto target = fs::canonical(l, ec);
    if (ec) continue;  // a dangling link: the device is gone
    linked.insert(target.string());
    out.push_back({l.string(), target.filename().string()});
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dev, ec)) {
    const std::string name = e.path().filename().string();
    if (numbered(name, "ttyUSB") || numbered(name, "ttyACM") || numbered(name, "ttyAMA") ||
        numbered(name, "ttyS"))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end(), natural_less);
  for (const auto& name : names) {
    const fs::path p = dev / name;
    const auto canon = fs::canonical(p, ec);
    if (!ec && linked.count(canon.string())) continue;
    if (is_onboard_name(name) && !has_uart(p)) continue;
    out.push_back({p.string(), name});
  }
  return out;
}

std::vector<std::string> list_can_interfaces(const fs::path& net) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(net, ec)) {
    std::ifstream type(e.path() / "type");
    int t = 0;
    if (type >> t && t == 280) out.push_back(e.path().filename().string());  // ARPHRD_CAN
  }
  std::sort(out.begin(), out.end(), natural_less);
  return out;
}

}  // namespace gxlink::transport
