// SPDX-License-Identifier: MIT
#pragma once
/// The VE.Direct driver: a serial port (19200 8N1, reopened when it comes back) or a capture,
/// the TEXT/HEX framer, the dataset merge, and the mapping of each product to its Venus service
/// (`com.victronenergy.<solarcharger|battery|inverter|charger|dcdc>.<tty name>`, seed 003).
///
/// Bytes and time go in through on_bytes()/on_tick(), so the same code serves the daemon (start()
/// opens the port and ticks a timer) and `gxlink snapshot` (no transport). Only checksum-valid
/// blocks reach the model. When no valid block arrived for `timeout` (or the port closed) every
/// value goes invalid and /Connected = 0; the next valid data sets /Connected = 1 again.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <asio/steady_timer.hpp>

#include "core/time.hpp"
#include "drivers/driver.hpp"
#include "drivers/vedirect/charger_link.hpp"
#include "protocols/vedirect/framer.hpp"
#include "protocols/vedirect/session.hpp"
#include "protocols/vedirect/text.hpp"

namespace gxlink::transport {
class SerialPort;
}

namespace gxlink::drivers::vedirect {

struct VeDirectOptions {
  std::string port;        ///< device path; empty = no transport (captures)
  std::string connection;  ///< service-name suffix; default: the port's basename ("ttyUSB0")
  /// Silence after which the device counts as lost. 5 s as krahabb's link timeout (§2.4): five
  /// missed 1 s TEXT blocks.
  Duration timeout = seconds(5);
  bool hex = true;  ///< query over HEX what TEXT lacks (firmware permitting, §2.4)
  Duration hex_poll = seconds(60);
  /// Without a port: where HEX frames go (sans-I/O tests that loop a simulator back). Captures
  /// leave it empty and never send anything.
  std::function<void(ByteView)> tx;
  ChargerLinkOptions link;  ///< GX → charger link timing (DVCC)
};

struct VeDirectStats {
  std::size_t blocks = 0;            ///< checksum-valid TEXT blocks
  std::size_t bad_blocks = 0;        ///< TEXT blocks rejected (checksum, noise, bounds)
  std::size_t hex_frames = 0;        ///< valid HEX frames
  std::size_t bad_hex = 0;           ///< HEX frames rejected
  std::size_t bad_values = 0;        ///< fields of valid blocks whose value was malformed/absurd
  std::size_t unknown_labels = 0;    ///< fields of valid blocks with a label not in the dictionary
  std::size_t disconnects = 0;       ///< times /Connected went to 0
  std::size_t repaired_strings = 0;  ///< text values that were not UTF-8 (read as Latin-1)
  std::size_t link_refused = 0;      ///< /Link/* writes refused (range, no HEX link)
};

/// "ttyUSB0" from "/dev/ttyUSB0"; any character outside [A-Za-z0-9_] becomes '_'.
std::string sanitize_connection(std::string_view name);
/// Venus' per-port default device instance (venus_os.md §2.2): ttyUSB<n> → 288+n, ttyS<n> →
/// 272+n (Cerbo ttyS5 = 277), ttyO<n> → 256+n; anything else 288.
int default_device_instance(std::string_view connection);

class VeDirectDriver : public Driver {
 public:
  VeDirectDriver(DriverContext& ctx, VeDirectOptions options);
  ~VeDirectDriver() override;

  std::string_view kind() const override { return "vedirect"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  Health health() const override;
  DriverCounters counters() const override {
    return {stats_.blocks + stats_.hex_frames, stats_.bad_blocks + stats_.bad_hex,
            stats_.disconnects};
  }

  /// Raw serial bytes received at `now`.
  void on_bytes(ByteView bytes, TimePoint now);
  /// Timeouts, HEX retries and polling.
  void on_tick(TimePoint now);
  /// The port opened (true) or closed (false).
  void on_port_state(bool open, const std::string& reason, TimePoint now);

  const VeDirectStats& stats() const { return stats_; }
  const std::string& connection() const { return connection_; }
  /// The device's service once identified, else nullptr.
  model::Service* service() const { return service_; }
  bool connected() const { return connected_; }
  const ChargerLink& link() const { return link_; }

 private:
  void on_block(const gxlink::vedirect::TextBlock& block, TimePoint now);
  void on_hex(const gxlink::vedirect::HexMessage& msg, TimePoint now);
  void create_service(TimePoint now);
  void declare_paths();
  void apply_dataset();
  void apply_field(const gxlink::vedirect::FieldDesc& d, std::string_view value);
  void apply_alarms();
  void apply_register(std::uint16_t id, ByteView value);
  void mark_connected(TimePoint now);
  void link_lost(const std::string& why, TimePoint now);
  void queue_polls(TimePoint now);
  bool hex_allowed() const;
  void pump_tx(TimePoint now);
  void schedule_tick();
  model::WriteResult write_mode(const model::Value& v);
  void declare_link_paths();
  model::WriteResult write_link(std::string_view path, const model::Value& v);
  void on_link_reply(std::uint16_t reg, bool accepted);
  void update_link_status();
  bool can_send() const;
  void send_bytes(ByteView b);
  void log_problem(const std::string& what, TimePoint now);
  /// A device string (TEXT value or HEX string register) as valid UTF-8, counted when repaired.
  std::string text_value(std::string_view raw);

  DriverContext& ctx_;
  VeDirectOptions opt_;
  std::string connection_;
  gxlink::vedirect::Framer framer_;
  gxlink::vedirect::Dataset dataset_;
  gxlink::vedirect::HexSession session_;
  gxlink::vedirect::ProductClass class_ = gxlink::vedirect::ProductClass::kUnknown;
  std::optional<std::uint16_t> pid_;
  model::Service* service_ = nullptr;
  bool connected_ = false;
  bool port_open_ = false;
  std::string port_problem_;
  TimePoint last_valid_{};
  TimePoint next_poll_{};
  bool polls_due_ = false;
  TimePoint now_{};  ///< the latest time seen (bytes or tick); writes from outputs use it
  ChargerLink link_;
  bool bms_present_ = false;
  VeDirectStats stats_;
  std::map<std::string, bool, std::less<>> warned_labels_;
  // Rate-limited problem log: the first at once, then one line per 10 s with a count.
  TimePoint last_log_{};
  std::size_t suppressed_ = 0;
  bool logged_once_ = false;

  std::unique_ptr<transport::SerialPort> port_;
  std::unique_ptr<asio::steady_timer> timer_;
  bool running_ = false;
};

}  // namespace gxlink::drivers::vedirect
