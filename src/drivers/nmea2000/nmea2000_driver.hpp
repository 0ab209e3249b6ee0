// SPDX-License-Identifier: MIT
#pragma once
/// VE.Can / NMEA 2000 driver: any CanTransport → reassembly → PGN decode → Venus services, per the
/// per-product tables of seed 000 ("Canbus PGN overview per product"):
///  - BlueSolar MPPT 150/70: battery instance 0 = battery side, 1 = PV (127506's DC type tells them
///    apart after an instance change) → `solarcharger`;
///  - Skylla-i → `charger` (one /Dc/<n> per output, AC input current from 127503);
///  - BMV (via interface) and Lynx Shunt VE.Can → `battery` (SOC and time-to-go from 127506,
///    consumed Ah from VREG 0xEEFF); Lynx Ion: instances 1/2 = lowest/highest cell voltage and
///    10–25 = the batteries of the pack, as cells;
///  - any maker's tank senders (127505) → `tank`, temperature sensors (130312, 130316, 130823)
///    → `temperature`, GNSS receivers (129025, 129026, 129029) → `gps`, beside the node's own;
///  - VE.Bus through the VE.Bus-to-VE.Can interface → `vebus`: everything from the address whose
///    NAME has function 153, AC input (65013/65014) from the address with function 154.
/// Service names: `com.victronenergy.<type>.socketcan_<iface>_di<device instance>_uc<unique>`
/// (venus_os.md §1.1); device instance and unique number come from the NAME, so a changed
/// instance is a new service. Non-Victron battery monitors (127506 DC type battery) become one
/// battery service per data instance (`…_uc<unique>_i<instance>`).
///
/// The driver is also a node on the bus (NetworkSession: address claim, requests, heartbeat); it
/// only sends when asked to (commands), to learn the network (ISO requests for 60928/126996), and
/// the GX → charger link values:
///
/// When it may send (a bus, active), it publishes `com.victronenergy.vecan.<iface>` as Venus'
/// vecan-dbus does (seed 003 "vecan-xxx"): writable `/Link/*` paths that DVCC (ours or Venus')
/// writes, broadcast onto the bus as VREGs (protocols/nmea2000/link_broadcast.hpp) and, for the
/// charge voltage and network mode, repeated while the writes keep coming.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/steady_timer.hpp>

#include "core/log_limit.hpp"
#include "drivers/driver.hpp"
#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/data_link.hpp"
#include "protocols/nmea2000/link_broadcast.hpp"
#include "protocols/nmea2000/session.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::drivers::nmea2000 {

struct Options {
  std::string interface = "can0";  ///< for service names when there is no transport
  bool active = true;              ///< claim an address and send requests (false: listen only)
  std::uint8_t preferred_address = 0x80;
  std::uint32_t unique_number = 0x1A2B3;
  Duration device_timeout = std::chrono::seconds(10);
};

struct DriverStats {
  std::uint64_t messages = 0;
  std::uint64_t decode_errors = 0;
  std::uint64_t unknown_pgns = 0;
  std::uint64_t link_refused = 0;      ///< writes to the vecan service's /Link/* paths refused
  std::uint64_t services_refused = 0;  ///< messages dropped: a service bound was reached
};

/// Services one node may make from instance bytes (per-instance batteries, tanks, temperature
/// sources), and all nodes together: a boat has a few dozen; a faulty or hostile node must not
/// create thousands, each with its own D-Bus connection.
inline constexpr std::size_t kMaxServicesPerDevice = 16;
inline constexpr std::size_t kMaxSensorServicesPerDevice = 32;
inline constexpr std::size_t kMaxSensorServices = 128;

class Nmea2000Driver final : public Driver {
 public:
  /// Owns `bus`; start() opens it and stop() closes it. Null only for offline replay (`gxlink
  /// snapshot`, tests): messages come in through on_message() and nothing is sent.
  Nmea2000Driver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> bus, Options opts);
  ~Nmea2000Driver() override;

  std::string_view kind() const override { return "nmea2000"; }
  std::string describe() const override { return iface_; }
  void start() override;
  void stop() override;
  Health health() const override;
  DriverCounters counters() const override {
    return {stats_.messages, stats_.decode_errors, std::nullopt};
  }

  /// start() without the receiver and timer: starts the node's address claim at `now` (tests drive
  /// time themselves and wire the receiver).
  void begin(TimePoint now);

  /// Frame and message inputs (the transport's receiver calls on_frame).
  void on_frame(const CanFrame& f, TimePoint now);
  void on_message(const gxlink::nmea2000::Message& m, TimePoint now);
  void on_tick(TimePoint now);

  // ---- commands (need a claimed address; return false when the frame could not be sent) ----
  /// Changes a data instance with a 126208 Write Fields: selects `field_index` == `current` in
  /// `pgn` and writes `new_instance` to it (seed 000 Q23).
  bool set_data_instance(std::uint8_t dst, std::uint32_t pgn, std::uint8_t field_index,
                         std::uint8_t current, std::uint8_t new_instance);
  /// VREQ for a register (the device answers with a broadcast VREG).
  bool request_vreg(std::uint8_t dst, std::uint16_t reg);
  /// Writes a register (addressed VREG, range-checked by the register's type).
  bool write_vreg(std::uint8_t dst, std::uint16_t reg, double value);

  /// Sees every whole message before the driver maps it (the `gxlink nmea2000` commands wait for
  /// the device's answers: VREG, VACK, 126208 Acknowledge, the PGN with the new instance).
  using MessageObserver = std::function<void(const gxlink::nmea2000::Message& m, TimePoint now)>;
  void set_message_observer(MessageObserver o) { observer_ = std::move(o); }

  const gxlink::nmea2000::NetworkSession& session() const { return session_; }
  const DriverStats& stats() const { return stats_; }
  const gxlink::nmea2000::LinkStats& link_stats() const { return rx_.stats(); }
  /// `com.victronenergy.vecan.<iface>`, empty when the driver does not publish it (listen only).
  const std::string& link_service() const { return link_service_; }
  const gxlink::nmea2000::LinkBroadcaster& link() const { return link_; }
  /// The bus the driver owns (null in replay): `gxlink nmea2000` watches its state and reads
  /// what a --dry-run recorded.
  transport::CanTransport* transport() const { return bus_.get(); }

 private:
  /// Starts the address claim when the bus has become active since the last look.
  void claim_if_bus_came_up(TimePoint now);
  struct Device;
  Device& device(std::uint8_t src);
  void classify(Device& d);
  void ensure_service(Device& d, std::uint8_t instance);
  void apply(Device& d, std::uint32_t pgn, gxlink::ByteView payload);
  void apply_decoded(Device& d, const gxlink::nmea2000::Decoded& m, std::uint32_t pgn,
                     gxlink::ByteView payload);
  // Per product kind (seed 000 "Canbus PGN overview per product").
  void apply_battery(Device& d, const gxlink::nmea2000::Decoded& m, std::uint32_t pgn,
                     std::uint8_t inst);
  void apply_solarcharger(Device& d, const gxlink::nmea2000::Decoded& m, std::uint32_t pgn,
                          std::uint8_t inst);
  void apply_charger(Device& d, const gxlink::nmea2000::Decoded& m, std::uint32_t pgn,
                     std::uint8_t inst);
  void apply_vebus(Device& d, const gxlink::nmea2000::Decoded& m, std::uint32_t pgn);
  model::Service* service_for(Device& d, std::uint8_t instance);
  /// The service spec of a node's service: name from the NAME plus `suffix`, product from 126996.
  model::ServiceSpec spec_for(const Device& d, std::string_view type, const std::string& suffix,
                              int device_instance) const;
  /// The identity paths every service of a node carries.
  static void identify(model::Service& s, const Device& d);
  /// Tank, temperature and GNSS PGNs from any maker: their own services. True when `pgn` is one.
  bool apply_sensor(Device& d, const gxlink::nmea2000::Decoded& m, std::uint32_t pgn);
  model::Service* sensor_service(Device& d, std::string_view type, const std::string& suffix,
                                 int device_instance);
  /// Counts and (rate-limited) logs a service not made because a bound was reached; nullptr.
  model::Service* refuse_service(const Device& d, std::string_view what);
  /// The product's full path set (per-kind tables in the .cpp), before the first announcement.
  static void declare_paths(model::Service& s, const Device& d);
  void send(std::vector<CanFrame>& frames);
  void send_message(std::uint32_t pgn, std::uint8_t prio, std::uint8_t dst,
                    gxlink::ByteView payload);
  void schedule();

  DriverContext& ctx_;
  std::unique_ptr<transport::CanTransport> bus_;
  Options opts_;
  std::string iface_;
  gxlink::nmea2000::Receiver rx_;
  gxlink::nmea2000::NetworkSession session_;
  gxlink::nmea2000::Decoded decoded_;
  std::map<std::uint8_t, std::unique_ptr<Device>> devices_;
  DriverStats stats_;
  RateLimiter bound_log_{seconds(60)};  ///< bounds reached and refused writes: per kind
  // The vecan link service (seed 003), published once the driver may send.
  void publish_link_service();
  model::WriteResult write_link(const gxlink::nmea2000::LinkPathDesc& d, const model::Value& v);
  void send_link(TimePoint now);
  /// A Victron solar charger's own /Link/ChargeCurrent (addressed VREG 0x2015), when we may send.
  void add_charge_current_link(model::Service& s, const Device& d);
  model::WriteResult write_charge_current(std::uint8_t src, const model::Value& v);
  void send_charger_links(TimePoint now);
  gxlink::nmea2000::LinkBroadcaster link_;
  std::string link_service_;
  TimePoint now_{};
  std::unique_ptr<asio::steady_timer> timer_;
  MessageObserver observer_;
  bool started_ = false;
  bool bus_was_active_ = false;  ///< the bus's state at the last look (claim_if_bus_came_up)
  bool announced_ = false;
};

}  // namespace gxlink::drivers::nmea2000
