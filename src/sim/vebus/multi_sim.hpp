// SPDX-License-Identifier: MIT
#pragma once
/// A simulated VE.Bus Multi as seen through an MK2/MK3 interface: it answers the MK2 protocol
/// (vedirect_vebus.md §4) with RAM vars, settings with their scale info, the remote switch, LEDs
/// and charge states that move plausibly (bulk → absorption → float while on mains; inverting
/// without). Sans-I/O like the protocol code: bytes and time in, bytes out through a sink.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "protocols/vebus/codec.hpp"
#include "protocols/vebus/framer.hpp"
#include "sim/dc_bus.hpp"

namespace gxlink::sim::vebus {

struct MultiSimOptions {
  int nominal_voltage = 48;        ///< 12, 24 or 48
  int phases = 1;                  ///< 1..3
  int units_per_phase = 1;         ///< parallel units (the BF / inverter factors)
  bool mk3 = true;                 ///< answers the 'H' line-state query
  bool reply_to_writes = true;     ///< false: WriteViaID / 'S' get no reply (seed 002: often so)
  bool heartbeat = true;           ///< 'V' frame every second while idle
  bool mains = true;               ///< AC input connected
  double load_watts = 350;         ///< AC-out load per phase
  double absorption_seconds = 20;  ///< simulated absorption time before float
  std::vector<std::uint8_t> ignore_ram_info;  ///< RAM vars whose info request gets no reply
};

/// Settings the simulated unit has, in raw units with their info (as the unit would send them).
struct SimSetting {
  gxlink::vebus::SettingInfo info;
  std::uint16_t ram = 0;     ///< value in use
  std::uint16_t eeprom = 0;  ///< value stored; RAM-only writes leave it
};

class MultiSim {
 public:
  using Sink = std::function<void(ByteView)>;

  explicit MultiSim(MultiSimOptions o = {});
  void set_sink(Sink s) { sink_ = std::move(s); }

  void on_bytes(ByteView in, TimePoint now);
  /// Moves the simulated battery on and sends the idle heartbeat.
  void on_tick(TimePoint now);

  /// Test hooks.
  void send_reset_notice();
  void send_raw(ByteView bytes);
  void set_mains(bool connected) { opt_.mains = connected; }
  void set_reply_to_writes(bool r) { opt_.reply_to_writes = r; }
  void set_silent(bool s) { silent_ = s; }

  const std::map<std::uint16_t, SimSetting>& settings() const { return settings_; }
  gxlink::vebus::SwitchState switch_state() const { return switch_; }
  double current_limit() const { return limit_da_ / 10.0; }
  double battery_voltage() const { return ubat_; }
  double soc() const { return soc_; }
  /// The DC current it reports (A, positive = from the Multi into the battery).
  double dc_current() const { return battery_current(); }
  /// Sits on a shared bank (the demo's) instead of its own battery model: it reads the bank's
  /// voltage and SOC and puts its DC current in as `name`. Charging, it holds the bank at its
  /// absorption (then float) voltage with at most its charge current setting. The bank must
  /// outlive the simulator.
  void attach_bank(DcBus& bank, std::string name) {
    bank_ = &bank;
    bank_name_ = std::move(name);
  }
  std::uint8_t substate() const { return substate_; }
  std::uint8_t device_state() const;
  std::size_t frames_received() const { return frames_rx_; }
  std::size_t writes_received() const { return writes_rx_; }

 private:
  void on_frame(const gxlink::vebus::Mk2Frame& f);
  void on_winmon(std::uint8_t letter, ByteView d);
  void reply(std::uint8_t letter, std::initializer_list<std::uint8_t> data);
  void reply_bytes(std::uint8_t letter, ByteView data);
  void send(const gxlink::vebus::WireFrame& f);
  void send_dc();
  void send_ac(int phase);
  void send_config();
  std::pair<std::uint8_t, std::uint8_t> leds() const;
  bool charging() const;
  bool inverting() const;
  double battery_current() const;
  /// on_tick on a shared bank: the current that holds the bank at the stage's voltage.
  void tick_on_bank();
  double absorption_v() const;
  double float_v() const;

  MultiSimOptions opt_;
  Sink sink_;
  gxlink::vebus::StreamFramer framer_;
  std::map<std::uint16_t, SimSetting> settings_;
  gxlink::vebus::SwitchState switch_ = gxlink::vebus::SwitchState::kOn;
  std::uint16_t limit_da_ = 160;
  std::uint16_t min_limit_da_ = 30;
  std::uint16_t max_limit_da_ = 500;
  std::uint8_t address_ = 0;
  std::optional<std::uint16_t> pending_write_setting_;
  std::optional<std::uint16_t> pending_write_ram_;
  double ubat_ = 0;
  double soc_ = 60;
  std::uint8_t substate_ = 1;  ///< bulk
  double in_state_s_ = 0;
  std::optional<TimePoint> last_tick_;
  TimePoint last_rx_{};
  TimePoint last_heartbeat_{};
  double t_ = 0;
  DcBus* bank_ = nullptr;
  std::string bank_name_;
  double bank_current_ = 0;  ///< on a shared bank: the DC current of the last tick
  bool silent_ = false;
  std::size_t frames_rx_ = 0;
  std::size_t writes_rx_ = 0;
};

}  // namespace gxlink::sim::vebus
