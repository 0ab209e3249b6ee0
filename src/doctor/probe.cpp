// SPDX-License-Identifier: MIT
#include "doctor/probe.hpp"

#include <cctype>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "doctor/recognizers.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/device_discovery.hpp"
#include "transport/serial_port.hpp"
#include "transport/slcan_codec.hpp"

namespace gxlink::doctor {
namespace {

// The two CAN bit rates an slcan adapter is tried at when the spec names none: 500 kbit/s (the
// CAN-bus BMS default, seeds/001 §1.2) first, then 250 kbit/s (NMEA 2000 / VE.Can, CANopen
// batteries such as the SuperB).
constexpr unsigned kBitrates[] = {500000, 250000};

// The slcan query: a bare CR clears a half-typed command (Lawicel: "send CR a few times to empty
// the buffer"), C closes the bus if open (the version is refused while open on some firmware),
// V asks for the version.
constexpr std::string_view kSlcanQuery = "\rC\rV\r";
constexpr Duration kSlcanAnswerTime = std::chrono::milliseconds(1000);

// Ports and buses a probe is done with. They are stopped at once but destroyed only after the
// loop has stopped: an operation they started (the slcan query, slcan's C/S/O) may still complete
// with operation_aborted, and SerialPort's completion handlers touch the object (its write
// handler clears `writing_` first), so it must outlive them.
struct Retired {
  std::vector<std::unique_ptr<transport::SerialPort>> ports;
  std::vector<std::unique_ptr<transport::CanTransport>> buses;
};

Duration to_duration(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// Listens on one CAN source, at each bit rate in turn until something is recognised.
class CanProbe {
 public:
  CanProbe(asio::io_context& io, Retired& retired, CanReport& report, std::string transport_spec,
           std::vector<unsigned> bitrates, Duration per_rate, std::function<void()> done)
      : io_(io),
        retired_(retired),
        report_(report),
        spec_(std::move(transport_spec)),
        bitrates_(std::move(bitrates)),
        per_rate_(per_rate),
        timer_(io),
        done_(std::move(done)) {}
  ~CanProbe() {
    if (bus_) bus_->stop();
  }

  void start() { try_rate(0); }

 private:
  void try_rate(std::size_t i) {
    index_ = i;
    report_.finding = {};
    recognizer_ = std::make_unique<CanRecognizer>();
    std::string spec = spec_;
    if (i < bitrates_.size()) {
      report_.bitrate = bitrates_[i];
      spec += "@" + std::to_string(bitrates_[i]);
      report_.config_spec = spec;
    }
    try {
      bus_ = transport::make_can_transport(io_, spec);
    } catch (const std::exception& e) {
      report_.error = e.what();
      return finish();
    }
    bus_->set_receiver([this](const CanFrame& f, TimePoint t) { recognizer_->on_frame(f, t); });
    bus_->set_state_handler([this](transport::CanBusState s) {
      if (s != transport::CanBusState::kClosed || finished_) return;
      // A closed source ends the probe: a device or socket that failed, or the end of a file.
      // Deferred: this runs inside the transport, which finish() destroys.
      const std::string why = bus_ ? bus_->last_error() : std::string();
      asio::post(io_, [this, why] {
        if (finished_) return;
        if (!why.empty() && recognizer_->finding().frames == 0) report_.error = why;
        finish();
      });
    });
    bus_->start();
    timer_.expires_after(per_rate_);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec || finished_) return;
      if (!recognizer_->finding().found() && index_ + 1 < bitrates_.size()) {
        close();
        return try_rate(index_ + 1);
      }
      finish();
    });
  }

  void close() {
    if (!bus_) return;
    bus_->set_receiver({});
    bus_->set_state_handler({});
    bus_->stop();
    retired_.buses.push_back(std::move(bus_));
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    if (recognizer_) report_.finding = recognizer_->finding();
    close();
    if (done_) done_();
  }

  asio::io_context& io_;
  Retired& retired_;
  CanReport& report_;
  std::string spec_;  // without the bit rate
  std::vector<unsigned> bitrates_;
  Duration per_rate_;
  asio::steady_timer timer_;
  std::function<void()> done_;
  std::unique_ptr<transport::CanTransport> bus_;
  std::unique_ptr<CanRecognizer> recognizer_;
  std::size_t index_ = 0;
  bool finished_ = false;
};

// Listens on one serial port: VE.Direct at 19200, then MK2 at 2400, then (only with
// --allow-writes) the slcan query.
class PortProbe {
 public:
  using SlcanFound = std::function<void(const std::string& path)>;

  PortProbe(asio::io_context& io, Retired& retired, PortReport& report, Duration phase,
            bool allow_writes, std::function<void()> done, SlcanFound slcan_found)
      : io_(io),
        retired_(retired),
        report_(report),
        phase_(phase),
        allow_writes_(allow_writes),
        timer_(io),
        done_(std::move(done)),
        slcan_found_(std::move(slcan_found)) {}
  ~PortProbe() {
    if (port_) port_->stop();
  }

  void start() {
    transport::SerialOptions o;
    o.path = report_.path;
    o.baud = 19200;  // VE.Direct: 19200 8N1 (vedirect_vebus.md §1.1)
    port_ = std::make_unique<transport::SerialPort>(io_, o);
    port_->set_data_handler([this](ByteView b, TimePoint) { on_data(b); });
    port_->set_state_handler([this](bool open, const std::string& reason) {
      if (open || finished_) return;
      // Could not open (missing, no permission) or it went away: no point waiting for the rest.
      asio::post(io_, [this, reason] {
        if (finished_) return;
        if (!report_.vedirect.found() && !report_.mk2.found()) report_.error = reason;
        finish();
      });
    });
    phase_kind_ = Phase::kVeDirect;
    port_->start();
    arm(phase_);
  }

 private:
  enum class Phase { kVeDirect, kMk2, kSlcan };

  void arm(Duration d) {
    timer_.expires_after(d);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec && !finished_) next_phase();
    });
  }

  void on_data(ByteView b) {
    if (finished_) return;
    switch (phase_kind_) {
      case Phase::kVeDirect:
        vedirect_.push(b);
        report_.vedirect = vedirect_.finding();
        // One block with the product's identity says all the config needs.
        if (report_.vedirect.identified()) asio::post(io_, [this] { finish(); });
        break;
      case Phase::kMk2:
        mk2_.push(b);
        report_.mk2 = mk2_.finding();
        if (report_.mk2.found()) asio::post(io_, [this] { finish(); });
        break;
      case Phase::kSlcan:
        slcan_.push(b);
        report_.slcan = slcan_.finding();
        break;
    }
  }

  void next_phase() {
    if (phase_kind_ == Phase::kVeDirect && !report_.vedirect.found()) {
      phase_kind_ = Phase::kMk2;
      port_->set_baud(2400);  // MK2/MK3: 2400 8N1 (vedirect_vebus.md §4.1)
      return arm(phase_);
    }
    if (phase_kind_ == Phase::kMk2 && !report_.mk2.found()) {
      if (!allow_writes_) {
        report_.slcan_needs_writes = true;
        return finish();
      }
      phase_kind_ = Phase::kSlcan;
      report_.slcan = SlcanFinding{};
      port_->set_baud(115200);  // USB CDC adapters ignore it; USBtin-style UARTs default to it
      port_->write(as_bytes(kSlcanQuery));
      return arm(kSlcanAnswerTime);
    }
    finish();
  }

  void close() {
    if (!port_) return;
    port_->set_data_handler({});
    port_->set_state_handler({});
    port_->stop();
    retired_.ports.push_back(std::move(port_));
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    close();  // before an slcan probe opens the same tty
    if (report_.slcan && report_.slcan->found() && slcan_found_) slcan_found_(report_.path);
    if (done_) done_();
  }

  asio::io_context& io_;
  Retired& retired_;
  PortReport& report_;
  Duration phase_;
  bool allow_writes_;
  asio::steady_timer timer_;
  std::function<void()> done_;
  SlcanFound slcan_found_;
  std::unique_ptr<transport::SerialPort> port_;
  Phase phase_kind_ = Phase::kVeDirect;
  VeDirectRecognizer vedirect_;
  Mk2Recognizer mk2_;
  SlcanRecognizer slcan_;
  bool finished_ = false;
};

// A --can argument split into what the transport opens and what the config will say.
struct CanSource {
  std::string spec;            // as the user wrote it (shown)
  std::string transport_spec;  // without a bit rate for slcan (added per try)
  std::string config_spec;
  std::vector<unsigned> bitrates;  // slcan only
  bool slcan = false;
  bool file = false;
  std::string device;  // slcan: the tty's kernel name, sanitised for a service name
};

// The config is read from another working directory (a service's is /), so paths in it are
// absolute.
std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

CanSource parse_can_source(const std::string& arg) {
  CanSource s;
  s.spec = arg;
  const auto colon = arg.find(':');
  const std::string kind = colon == std::string::npos ? std::string() : arg.substr(0, colon);
  const std::string rest = colon == std::string::npos ? arg : arg.substr(colon + 1);
  if (kind == "slcan") {
    s.slcan = true;
    std::string path = rest;
    if (auto at = rest.rfind('@'); at != std::string::npos) {
      path = rest.substr(0, at);
      unsigned v = 0;
      try {
        std::size_t used = 0;
        v = static_cast<unsigned>(std::stoul(rest.substr(at + 1), &used));
        if (used != rest.size() - at - 1) throw std::invalid_argument("trailing characters");
      } catch (const std::exception&) {
        throw std::invalid_argument("bad bit rate in '" + arg + "'");
      }
      if (!transport::slcan::encode_bitrate(v))
        throw std::invalid_argument("unsupported slcan bit rate in '" + arg +
                                    "' (10k, 20k, 50k, 100k, 125k, 250k, 500k, 800k, 1M)");
      s.bitrates = {v};
    } else {
      s.bitrates.assign(std::begin(kBitrates), std::end(kBitrates));
    }
    if (path.empty()) throw std::invalid_argument("slcan: needs a device path: slcan:/dev/ttyACM0");
    s.spec = "slcan:" + absolute(path);
    for (char c : transport::kernel_device_name(path))
      s.device += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    s.transport_spec = s.spec;
    s.config_spec = s.spec + "@" + std::to_string(s.bitrates.front());
    return s;
  }
  if (kind == "file") {
    std::string path = rest;
    if (path.ends_with("@fast")) path.resize(path.size() - 5);
    if (path.empty()) throw std::invalid_argument("file: needs a capture path");
    s.file = true;
    s.spec = "file:" + absolute(path);
    s.transport_spec = s.spec + "@fast";  // read the whole capture at once, not in real time
    s.config_spec = s.spec;
    return s;
  }
  if (kind == "socketcan" || kind.empty()) {
    if (rest.empty()) throw std::invalid_argument("socketcan: needs an interface: socketcan:can0");
    s.spec = "socketcan:" + rest;
    s.transport_spec = s.spec;
    s.config_spec = s.spec;
    return s;
  }
  throw std::invalid_argument("'" + arg +
                              "' is not slcan:PATH[@bitrate], socketcan:IFACE or file:CAPTURE");
}

}  // namespace

Report probe(const ProbeOptions& o) {
  Report report;
  report.seconds = o.seconds;
  report.allow_writes = o.allow_writes;

  std::vector<CanSource> can_sources;
  for (const auto& c : o.cans) can_sources.push_back(parse_can_source(c));  // throws when bad
  auto add_port = [&](const std::string& path, const std::string& device) {
    PortReport& p = report.ports.emplace_back();
    p.path = path;
    p.device = device;
  };
  const bool discover = o.ports.empty() && o.cans.empty();
  if (discover) {
    for (const auto& p : transport::list_serial_ports()) add_port(p.path, p.device);
    for (const auto& iface : transport::list_can_interfaces())
      can_sources.push_back(parse_can_source("socketcan:" + iface));
  } else {
    for (const auto& p : o.ports) add_port(absolute(p), transport::kernel_device_name(p));
  }
  // The reports are filled in place by the probes: reserve so that no reference moves (an slcan
  // adapter found on a serial port adds one more bus).
  report.buses.reserve(can_sources.size() + report.ports.size());

  asio::io_context io;
  Retired retired;  // destroyed before io, after every probe (declared after io)
  std::size_t pending = 0;
  auto done = [&] {
    if (--pending == 0) io.stop();
  };
  const Duration seconds = to_duration(o.seconds);
  std::vector<std::unique_ptr<CanProbe>> can_probes;
  auto add_can = [&](const CanSource& s) {
    CanReport& r = report.buses.emplace_back();
    r.spec = s.spec;
    r.config_spec = s.config_spec;
    r.slcan = s.slcan;
    r.file = s.file;
    r.device = s.device;
    if (s.slcan && !o.allow_writes) {
      r.needs_writes = true;  // listed, not opened: opening it is a write (see the header)
      return;
    }
    ++pending;
    can_probes.push_back(
        std::make_unique<CanProbe>(io, retired, r, s.transport_spec, s.bitrates, seconds, done));
    can_probes.back()->start();
  };
  for (const auto& s : can_sources) add_can(s);

  std::vector<std::unique_ptr<PortProbe>> port_probes;
  for (auto& p : report.ports) {
    ++pending;
    port_probes.push_back(std::make_unique<PortProbe>(
        io, retired, p, seconds / 2, o.allow_writes, done, [&](const std::string& path) {
          // Deferred: the port probe is finishing; the slcan probe opens the tty it just closed.
          // Counted now, so that the port probe's own done() cannot end the run before it starts.
          ++pending;
          asio::post(io, [&, path] {
            add_can(parse_can_source("slcan:" + path));
            done();
          });
        }));
    port_probes.back()->start();
  }

  // A guard in case a transport never reports (every probe has its own timer).
  asio::steady_timer guard(io);
  guard.expires_after(seconds * 4 + std::chrono::seconds(10));
  guard.async_wait([&](const asio::error_code& ec) {
    if (!ec) io.stop();
  });
  if (pending > 0) io.run();
  port_probes.clear();
  can_probes.clear();

  return report;
}

}  // namespace gxlink::doctor
