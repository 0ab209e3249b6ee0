// SPDX-License-Identifier: MIT
// NMEA 2000 / VE.Can: `gxlink decode nmea2000`, `gxlink snapshot nmea2000:FILE`, the `[[nmea2000]]`
// driver and the demo's simulated VE.Can devices (issue 4).
#include <fstream>
#include <istream>
#include <ostream>
#include <stdexcept>

#include <asio/steady_timer.hpp>

#include "app/demo.hpp"
#include "app/registry.hpp"
#include "drivers/nmea2000/capture.hpp"
#include "drivers/nmea2000/nmea2000_driver.hpp"
#include "protocols/nmea2000/json.hpp"
#include "protocols/nmea2000/pgn_table.hpp"
#include "sim/nmea2000/vecan_sim.hpp"
#include "transport/candump.hpp"

namespace gxlink::app {
namespace {

namespace n2k = gxlink::nmea2000;
namespace dn = gxlink::drivers::nmea2000;

void report_link(const n2k::LinkStats& s, std::ostream& err, DecodeStats& st) {
  const std::uint64_t problems =
      s.fp_incomplete + s.fp_timeouts + s.fp_bad_length + s.fp_overflow + s.tp_errors;
  if (problems) {
    err << "nmea2000: fast-packet incomplete " << s.fp_incomplete << ", timeouts " << s.fp_timeouts
        << ", bad length " << s.fp_bad_length << ", overflow " << s.fp_overflow
        << ", transport errors " << s.tp_errors << '\n';
    st.errors += problems;
  }
}

DecodeStats decode_nmea2000(std::istream& in, std::ostream& out, std::ostream& err) {
  DecodeStats st;
  dn::CaptureReader reader;
  n2k::Decoded d;
  std::string line;
  std::string buf;
  buf.reserve(1 << 16);
  std::size_t line_no = 0;
  std::size_t unknown = 0, bad_length = 0;
  while (std::getline(in, line)) {
    ++line_no;
    auto r = reader.feed_line(line);
    if (!r) {
      err << "line " << line_no << ": " << r.error().message() << '\n';
      ++st.errors;
      continue;
    }
    const n2k::Message* m = *r;
    if (!m) continue;
    auto dr = n2k::decode(m->id.pgn, m->payload, d);
    if (!dr && dr.error().code == Errc::kBadLength) {
      ++bad_length;
      err << "line " << line_no << ": PGN " << m->id.pgn << ": " << dr.error().message() << '\n';
      ++st.errors;
      continue;
    }
    buf += "{\"timestamp\":";
    n2k::append_json_string(reader.timestamp(), buf);
    buf += ",\"prio\":";
    n2k::append_json_number(m->id.prio, buf);
    buf += ",\"src\":";
    n2k::append_json_number(m->id.src, buf);
    buf += ",\"dst\":";
    n2k::append_json_number(m->id.dst, buf);
    buf += ",\"pgn\":";
    n2k::append_json_number(m->id.pgn, buf);
    if (dr) {
      buf += ",\"description\":";
      n2k::append_json_string(d.desc->description, buf);
      buf += ",\"fields\":";
      n2k::append_fields_json(m->id.pgn, m->payload, d, buf);
    } else {
      // Unknown PGN: printed with its bytes so that nothing on the bus goes unseen.
      ++unknown;
      buf += ",\"description\":\"Unknown PGN\",\"fields\":{\"Data\":\"";
      buf += to_hex(m->payload);
      buf += "\"}";
    }
    buf += ",\"line\":";
    n2k::append_json_number(static_cast<double>(line_no), buf);
    buf += "}\n";
    ++st.messages;
    if (buf.size() > (1 << 16) - 4096) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  report_link(reader.stats(), err, st);
  if (unknown)
    err << "nmea2000: " << unknown << " messages of PGNs not in the table (printed raw)\n";
  (void)bad_length;
  return st;
}

DecodeStats snapshot_nmea2000(std::istream& in, const std::string& source,
                              drivers::DriverContext& ctx, std::ostream& err) {
  DecodeStats st;
  dn::Options opts;
  opts.active = false;
  opts.interface = "can0";
  dn::Nmea2000Driver driver(ctx, nullptr, opts);
  dn::CaptureReader reader;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    auto r = reader.feed_line(line);
    if (!r) {
      err << source << ":" << line_no << ": " << r.error().message() << '\n';
      ++st.errors;
      continue;
    }
    if (const n2k::Message* m = *r) {
      driver.on_message(*m, m->time);
      ++st.messages;
    }
  }
  report_link(reader.stats(), err, st);
  st.errors += driver.stats().decode_errors;
  return st;
}

/// A CanTransport that replays a candump capture with its original pacing (÷ `speed`), so that a
/// recorded bus can stand in for a live one (`[[nmea2000]] replay = "FILE"`). Sent frames are
/// dropped: a recording cannot answer.
class CandumpReplay final : public transport::CanTransport {
 public:
  CandumpReplay(asio::io_context& io, std::string iface, double speed)
      : timer_(io), iface_(std::move(iface)), speed_(speed) {}
  std::string_view interface_name() const override { return iface_; }
  bool send(const CanFrame&) override { return true; }
  transport::CanBusState state() const override { return transport::CanBusState::kActive; }

  /// Reads the capture; kBadFormat when nothing in it is a CAN frame.
  Result<void> load(std::istream& in) {
    std::string line;
    while (std::getline(in, line)) {
      auto r = transport::parse_candump_line(line);
      if (r && *r) frames_.push_back({(*r)->timestamp.value_or(0), (*r)->frame});
    }
    if (frames_.empty())
      return tl::unexpected(Error{Errc::kBadFormat, "no CAN frames in the replay file"});
    return {};
  }
  void start() {
    next_ = 0;
    started_ = Clock::now();
    schedule();
  }
  void stop() { timer_.cancel(); }

 private:
  void schedule() {
    if (next_ >= frames_.size()) return;
    const double offset = (frames_[next_].first - frames_.front().first) / speed_;
    timer_.expires_at(started_ +
                      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(offset)));
    timer_.async_wait([this](const std::error_code& ec) {
      if (ec) return;
      const double t = frames_[next_].first;
      // Everything due at the same capture time goes out together.
      while (next_ < frames_.size() && frames_[next_].first <= t)
        deliver(frames_[next_++].second, Clock::now());
      schedule();
    });
  }
  asio::steady_timer timer_;
  std::string iface_;
  double speed_;
  std::vector<std::pair<double, CanFrame>> frames_;
  std::size_t next_ = 0;
  TimePoint started_{};
};

/// `[[nmea2000]]` with `replay = "FILE"`: the driver on a replayed capture. The transport lives
/// with the driver.
class ReplayDriver final : public drivers::Driver {
 public:
  ReplayDriver(std::unique_ptr<CandumpReplay> t, std::unique_ptr<dn::Nmea2000Driver> d)
      : transport_(std::move(t)), driver_(std::move(d)) {}
  ~ReplayDriver() override {
    try {
      stop();
    } catch (...) {  // cancelling a timer does not throw in practice; a destructor must not
    }
  }
  std::string_view kind() const override { return "nmea2000"; }
  std::string describe() const override { return driver_->describe() + " (replay)"; }
  void start() override {
    driver_->start();
    transport_->start();
  }
  void stop() override {
    transport_->stop();
    driver_->stop();
  }
  drivers::Health health() const override { return driver_->health(); }

 private:
  std::unique_ptr<CandumpReplay> transport_;
  std::unique_ptr<dn::Nmea2000Driver> driver_;
};

std::unique_ptr<drivers::Driver> make_driver(const toml::table& cfg, drivers::DriverContext& ctx) {
  const std::string iface = cfg["interface"].value_or(std::string("can0"));
  const auto replay = cfg["replay"].value<std::string>();
  if (!replay) {
    // A live bus needs the SocketCAN / slcan transports of the CAN transport work; this build
    // carries the in-process bus (demo) and capture replay.
    throw std::runtime_error(
        "nmea2000: live interface '" + iface +
        "' needs a SocketCAN/slcan transport (not in this build); use replay = \"FILE\"");
  }
  std::ifstream in(*replay);
  if (!in) throw std::runtime_error("nmea2000: cannot open replay file " + *replay);
  auto t = std::make_unique<CandumpReplay>(ctx.io, iface, cfg["speed"].value_or(1.0));
  if (auto r = t->load(in); !r)
    throw std::runtime_error("nmea2000: " + *replay + ": " + r.error().message());
  dn::Options opts;
  opts.interface = iface;
  opts.active = false;  // a recording cannot answer requests
  auto d = std::make_unique<dn::Nmea2000Driver>(ctx, t.get(), opts);
  return std::make_unique<ReplayDriver>(std::move(t), std::move(d));
}

struct DemoParts {
  std::unique_ptr<transport::InProcessCanBus::Endpoint> driver_ep;
  std::vector<std::unique_ptr<transport::InProcessCanBus::Endpoint>> sim_eps;
  std::vector<std::unique_ptr<sim::nmea2000::VeCanDevice>> devices;
  std::unique_ptr<asio::steady_timer> timer;
  void tick() {
    for (auto& d : devices) d->tick(Clock::now());
    timer->expires_after(std::chrono::milliseconds(100));
    timer->async_wait([this](const std::error_code& ec) {
      if (!ec) tick();
    });
  }
};

void demo_nmea2000(DemoContext& demo) {
  auto parts = std::make_shared<DemoParts>();
  using sim::nmea2000::VeCanProduct;
  const std::pair<VeCanProduct, std::uint32_t> devs[] = {{VeCanProduct::kMppt150_70, 0x12345},
                                                         {VeCanProduct::kLynxShunt, 0x23456},
                                                         {VeCanProduct::kSkyllaI, 0x34567}};
  std::uint8_t addr = 0x20;
  for (auto& [p, unique] : devs) {
    parts->sim_eps.push_back(demo.can_bus.attach("vecan-sim-" + std::to_string(unique)));
    parts->devices.push_back(
        std::make_unique<sim::nmea2000::VeCanDevice>(*parts->sim_eps.back(), p, unique, addr));
    addr = static_cast<std::uint8_t>(addr + 0x10);
  }
  parts->driver_ep = demo.can_bus.attach("nmea2000-driver");
  dn::Options opts;
  auto driver =
      std::make_unique<dn::Nmea2000Driver>(demo.drivers_ctx, parts->driver_ep.get(), opts);
  driver->start();
  demo.drivers.push_back(std::move(driver));
  parts->timer = std::make_unique<asio::steady_timer>(demo.drivers_ctx.io);
  parts->tick();
  demo.simulators.push_back(parts);
}

}  // namespace

void register_nmea2000(Registry& r) {
  r.decoders["nmea2000"] = decode_nmea2000;
  r.snapshots["nmea2000"] = snapshot_nmea2000;
  r.drivers["nmea2000"] = make_driver;
  r.demos.emplace_back("nmea2000", demo_nmea2000);
}

}  // namespace gxlink::app
