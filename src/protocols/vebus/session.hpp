// SPDX-License-Identifier: MIT
#pragma once
/// The MK2/MK3 session: a sans-I/O state machine (STYLE.md rule 7). Bytes and time go in
/// (on_bytes, on_tick); frames to send leave through the TxSink; what the unit reported is in
/// state(); events (link up/lost, resets, garbage episodes) and write completions are taken out.
///
/// Init (seed 002, vedirect_vebus.md §4.8): 'A' 01 <addr> → 'V' → 'H' probe (answers only on an
/// MK3) → RAM-var info for every var we scale → setting info + values for absorption, float, input
/// limit → ready. Then a polling cycle: 'F' 0 (DC), 'F' 1..n (AC per phase), 'L' (LEDs), 'F' 5
/// (config: input limit, switch, active input), winmon 0x0E (charge substate), ReadRAMVar
/// (SOC, powers), and now and then the settings. One request at a time, at least `pacing`
/// (≥ 100 ms, seed 002) between frames, X/Y/Z letters rotated so a late reply is not taken for
/// the current one.
///
/// Writes: WriteViaID for settings, 'S' for mode/limit. Seed 002: many commands get no reply, which
/// is normal, so a write is confirmed by reading back, not by its acknowledgement. A write is only
/// ever sent when the session is ready, the byte stream is in sync (no partial frame, no garbage
/// since the last valid frame) and the unit's scale info for the target is known; a reset notice or
/// a lost link aborts queued writes instead of sending them later.

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "protocols/vebus/codec.hpp"
#include "protocols/vebus/framer.hpp"
#include "protocols/vebus/safety.hpp"

namespace gxlink::vebus {

struct SessionOptions {
  std::uint8_t address = 0;                            ///< VE.Bus address to select (0 = master)
  Duration pacing = milliseconds(100);                 ///< seed 002: ≥ 100 ms between commands
  Duration reply_timeout = milliseconds(1000);         ///< velib: 20 × 50 ms
  Duration config_timeout = milliseconds(1500);        ///< j9brown: 'F' 5 can take > 750 ms
  Duration write_reply_timeout = milliseconds(500);    ///< writes often get no reply (seed 002)
  Duration poll_interval = milliseconds(1000);         ///< start of one cycle to the next
  Duration settings_interval = seconds(30);            ///< re-read absorption/float/limit settings
  Duration partial_frame_timeout = milliseconds(300);  ///< velib: 6 × 50 ms
  Duration silence_timeout = seconds(5);  ///< ready, but no valid frame this long → link lost
  Duration restart_delay = seconds(2);    ///< after a failed init or lost link
  int retries = 2;                        ///< re-sends of a read before giving up
  int silent_after = 4;                   ///< failed reads in a row → link lost
  bool probe_mk3 = true;                  ///< send 'H' to tell MK3 from MK2
};

enum class LinkState { kStopped, kInit, kReady, kWaitRestart };
enum class InterfaceKind { kUnknown, kMk2, kMk3 };
const char* to_string(LinkState s) noexcept;
const char* to_string(InterfaceKind k) noexcept;

struct PhaseValues {
  double in_v = 0, in_i = 0, in_f = 0;
  double out_v = 0, out_i = 0, out_f = 0;
  std::uint8_t bf_factor = 1, inverter_factor = 1;
};

/// What the unit said, scaled with its own info. Everything is empty until a verified frame set it.
struct UnitState {
  InterfaceKind interface_kind = InterfaceKind::kUnknown;
  std::optional<std::uint32_t> interface_version;
  /// The unit's own firmware version number (winmon 0x05/0x06, §4.5), e.g. 2620422; see
  /// vebus_identity() for what Venus makes of it.
  std::optional<std::uint32_t> firmware_number;
  int phase_count = 0;
  std::array<std::optional<PhaseValues>, 4> phases;
  std::optional<double> dc_voltage;
  std::optional<double> dc_current;  ///< positive = into the battery (charger − inverter)
  std::optional<double> inverter_frequency;
  std::optional<std::uint8_t> device_state;
  std::optional<std::uint8_t> charge_substate;
  std::optional<LedReply> leds;
  std::optional<ConfigInfo> config;
  std::optional<double> soc;           ///< %
  std::optional<double> input_power;   ///< W, positive = taken from AC in
  std::optional<double> output_power;  ///< W
  std::map<std::uint8_t, RamVarInfo> ram_info;
  std::map<std::uint16_t, SettingInfo> setting_info;
  std::map<std::uint16_t, std::uint16_t> setting_raw;
  std::optional<int> nominal_voltage;  ///< 12 / 24 / 48

  std::optional<double> setting_value(std::uint16_t id) const;
};

struct SessionStats {
  std::size_t frames = 0;
  std::size_t bytes_dropped = 0;
  std::size_t bad_checksum = 0;
  std::size_t decode_errors = 0;
  std::size_t timeouts = 0;
  std::size_t resets = 0;
  std::size_t stale_replies = 0;  ///< a reply with another X/Y/Z letter, or nothing expected
  std::size_t wrong_device = 0;   ///< 'A'/'V' frames naming another VE.Bus address
  std::size_t writes_sent = 0;
  std::size_t writes_unacknowledged = 0;  ///< no reply within write_reply_timeout (normal)
  std::size_t writes_aborted = 0;
  std::size_t writes_superseded =
      0;  ///< switch writes replaced by a newer one before they went out
};

enum class EventKind { kLinkUp, kLinkLost, kResetNotice, kGarbageStart, kGarbageEnd, kInitFailed };
struct Event {
  EventKind kind;
  std::string detail;
};

struct WriteCompletion {
  std::uint32_t id = 0;
  bool ok = false;
  bool acknowledged = false;  ///< the unit answered the write itself (often it does not)
  bool superseded = false;  ///< replaced by a newer switch write before it went out (not an error)
  Error error;              ///< when !ok
  std::optional<double> read_back;
};

class Session {
 public:
  using TxSink = std::function<void(ByteView)>;

  explicit Session(SessionOptions options = {});

  void set_tx(TxSink tx) { tx_ = std::move(tx); }
  /// Starts (or restarts) the init sequence.
  void start(TimePoint now);
  void stop();

  /// Raw bytes from the serial port.
  void on_bytes(ByteView bytes, TimePoint now);
  /// One verified frame (for callers that run their own framer).
  void on_frame(const Mk2Frame& f, TimePoint now);
  /// Timers: timeouts, pacing, the next poll cycle.
  void on_tick(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  /// Queues a setting write (WriteViaID, RAM only unless `persist`) and its read-back. Refused
  /// (kRefused / kOutOfRange / kBusy) unless the session is ready, the setting is one the tables
  /// allow, its info is known, and the value passes the unit's range and the safety rules.
  Result<std::uint32_t> write_setting(std::uint16_t id, double value, bool persist);
  /// DVCC's charge current (issue 12 item 4): IBatBulk (setting 4, vedirect_vebus.md §4.6) through
  /// WriteViaID with the setting and RAM-only flags (§4.5), never the EEPROM, then read back.
  /// Refused unless the session is ready, the unit's scale is known and 0 ≤ `amps` ≤ `ceiling` (the
  /// value the installer set: DVCC lowers the charge current and restores it, never raises it
  /// above that) and within the unit's own min/max.
  Result<std::uint32_t> write_charge_current(double amps, double ceiling);
  /// The checks of write_setting without queuing anything (for `--dry-run`): the raw value.
  Result<std::uint16_t> check_setting_write(std::uint16_t id, double value) const;
  /// The checks of write_switch without queuing anything.
  Result<SwitchState> check_switch_write(std::optional<SwitchState> mode,
                                         std::optional<double> limit) const;
  /// Queues an 'S' (switch and/or input current limit) and a config read-back. What it leaves out
  /// (mode or limit) is taken from the latest switch write still pending, else from the unit's
  /// config; a switch write not sent yet is replaced by this one (it completes as "superseded").
  Result<std::uint32_t> write_switch(std::optional<SwitchState> mode, std::optional<double> limit);
  /// Queues a fresh read of a setting (value and info); completes like a write without sending one.
  Result<std::uint32_t> read_setting(std::uint16_t id);

  std::vector<WriteCompletion> take_completions();
  std::vector<Event> take_events();
  /// True once after anything in state() changed.
  bool take_changed();

  LinkState link_state() const noexcept { return link_; }
  bool ready() const noexcept { return link_ == LinkState::kReady; }
  bool in_sync() const noexcept { return in_sync_ && framer_.buffered() == 0; }
  const UnitState& state() const noexcept { return unit_; }
  const SessionStats& stats() const noexcept { return stats_; }
  const SessionOptions& options() const noexcept { return opt_; }

 private:
  enum class Op {
    kSetAddress,
    kVersion,
    kProbe,
    kRamInfo,
    kSettingInfo,
    kReadSetting,
    kInfoDc,
    kInfoAc,
    kConfig,
    kLed,
    kDeviceState,
    kReadRam,
    kWriteSetting,
    kSwitch,
    kReadBackSetting,
    kReadBackConfig,
    kSoftwareVersion,  ///< id 0: low word (or all, combined), id 1: high word
  };
  struct Request {
    Op op = Op::kSetAddress;
    std::uint16_t id = 0;  ///< var, setting or phase
    std::vector<std::uint8_t> ids;
    WireFrame frame;
    std::uint8_t letter = 0;
    int tries = 0;
    bool last_init = false;
    std::uint32_t write_id = 0;  ///< non-zero for the ops of a write
    double target = 0;           ///< raw value written / expected on read-back
    bool verify = true;          ///< read-back must equal target (false for plain reads)
    bool persist = false;        ///< WriteViaID without the RAM-only flag
    std::optional<SwitchState> mode;
    std::optional<double> limit;
  };

  static Request req(Op op) {
    Request r;
    r.op = op;
    return r;
  }
  void begin_init(TimePoint now);
  void on_bad(Errc e);
  void flush_stale(TimePoint now);
  void link_lost(const std::string& why, TimePoint now);
  void abort_writes(const std::string& why);
  void plan_cycle(TimePoint now);
  void send(Request r, TimePoint now);
  std::uint8_t next_letter() noexcept;
  Request winmon(Op op, std::uint16_t id);
  bool matches(const Request& r, const Reply& reply) const;
  void complete(const Reply& reply, TimePoint now);
  void on_config(const Request& r, const ConfigInfo& c);
  void on_software_version(const WinmonReply& w);
  void on_ram_values(const Request& r, const WinmonReply& w);
  void on_setting_value(const Request& r, const WinmonReply& w);
  void on_write_setting_reply(const Request& r, const WinmonReply& w);
  void finish_inflight(TimePoint now);
  void on_timeout(TimePoint now);
  void apply_unsolicited(const Reply& reply);
  void apply_info(const DcInfoRaw& d);
  void apply_info(const AcInfoRaw& a);
  void update_nominal();
  void done_write(std::uint32_t id, bool ok, Error e, std::optional<double> read_back);
  void event(EventKind k, std::string d) { events_.push_back({k, std::move(d)}); }
  std::optional<double> ram_scaled(std::uint8_t var, std::uint16_t raw) const;

  SessionOptions opt_;
  TxSink tx_;
  StreamFramer framer_;
  LinkState link_ = LinkState::kStopped;
  UnitState unit_;
  SessionStats stats_;
  std::deque<Request> queue_;  ///< init and polling
  /// Ops of queued writes, in order; at most kMaxQueuedWriteOps (beyond: kBusy).
  std::deque<Request> writes_;
  static constexpr std::size_t kMaxQueuedWriteOps = 16;
  std::optional<Request> inflight_;
  TimePoint inflight_deadline_{};
  TimePoint next_send_{};
  TimePoint next_cycle_{};
  TimePoint next_settings_{};
  TimePoint restart_at_{};
  TimePoint last_rx_{};
  TimePoint last_frame_{};  ///< last valid frame (or the start of init)
  bool in_sync_ = true;
  int consecutive_failures_ = 0;
  int letter_index_ = 0;
  std::uint32_t next_write_id_ = 1;
  std::map<std::uint32_t, bool> write_acknowledged_;
  std::vector<WriteCompletion> completions_;
  std::vector<Event> events_;
  bool changed_ = false;
  std::optional<std::uint32_t> version_low_;  ///< 0x82's low word until 0x83 completes it
};

}  // namespace gxlink::vebus
