// SPDX-License-Identifier: MIT
#pragma once
/// A SuperB-Epsilon-V2-like CANopen battery node for the demo and for tests: an object dictionary
/// with the objects of seed 004 (values from a small battery model), an SDO server (expedited and
/// segmented upload and download, CiA 301 aborts for missing objects and wrong access), a heartbeat
/// producer (0x1017, 1000 ms like the real unit), NMT commands, EMCY. "Old firmware" lacks
/// 0x6051/0x6052 as units before 1.2 do (seed 004 "Firmware Compatibility").
///
/// Time is an input: the owner calls on_tick(now) (a timer in the demo, fake time in tests); frames
/// arrive through the transport's receiver and answers go out through the same transport.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "protocols/canopen/codec.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::sim::canopen {

struct SuperbNodeOptions {
  std::uint8_t node_id = 1;
  bool old_firmware = false;        ///< firmware 1.0: no 0x6051/0x6052
  Duration heartbeat = seconds(1);  ///< 0x1017 producer time; 0 = no heartbeat
  double capacity_ah = 150.0;
  double soc = 80.0;       ///< %
  double current_a = 5.0;  ///< + = charging
  double temperature_c = 21.5;
  std::uint16_t cycles = 42;
  std::uint32_t serial = 0x00A1B2C3;
  bool cycle_current = true;  ///< reverse the current at 95 % / 20 % SOC (demo)
};

struct SuperbNodeStats {
  std::uint64_t requests = 0;
  std::uint64_t aborts_sent = 0;
  std::uint64_t heartbeats = 0;
};

class SuperbNodeSim {
 public:
  SuperbNodeSim(transport::CanTransport& bus, SuperbNodeOptions options, TimePoint now);
  ~SuperbNodeSim();
  SuperbNodeSim(const SuperbNodeSim&) = delete;
  SuperbNodeSim& operator=(const SuperbNodeSim&) = delete;

  /// Advances the battery model and sends heartbeats that are due.
  void on_tick(TimePoint now);
  std::optional<TimePoint> next_deadline() const;
  /// A received frame (also called by the transport's receiver).
  void on_frame(const CanFrame& f, TimePoint now);

  /// Cable pulled / BMS asleep: no answers, no heartbeats until set_silent(false).
  void set_silent(bool silent) { silent_ = silent; }
  /// Power cycle: sends the boot-up message and restarts the heartbeat.
  void reboot(TimePoint now);
  void set_current(double a) { options_.current_a = a; }
  void set_soc(double soc) { options_.soc = soc; }
  void set_temperature(double c) { options_.temperature_c = c; }
  void send_emcy(std::uint16_t code, std::uint8_t error_register);
  /// Test hooks: ignore the next `n` SDO requests; send the wrong toggle in the next segment.
  void drop_next_requests(int n) { drop_ = n; }
  void corrupt_next_toggle() { corrupt_toggle_ = true; }

  double voltage() const;
  double soc() const { return options_.soc; }
  const SuperbNodeOptions& options() const { return options_; }
  const SuperbNodeStats& stats() const { return stats_; }

 private:
  struct Entry {
    std::function<std::vector<std::uint8_t>()> read;  ///< empty = write-only
    bool writable = false;
    std::function<bool(const std::vector<std::uint8_t>&)> write;  ///< false = value refused
  };
  static std::uint32_t key(std::uint16_t index, std::uint8_t sub) {
    return (std::uint32_t{index} << 8) | sub;
  }
  void build_dictionary();
  void send(const CanFrame& f);
  void abort(std::uint16_t index, std::uint8_t sub, std::uint32_t code);
  void handle_sdo(const gxlink::canopen::SdoMessage& m);
  std::optional<std::uint32_t> lookup(std::uint16_t index, std::uint8_t sub) const;

  transport::CanTransport& bus_;
  SuperbNodeOptions options_;
  std::map<std::uint32_t, Entry> od_;
  TimePoint last_tick_;
  TimePoint next_heartbeat_;
  gxlink::canopen::NmtState state_ = gxlink::canopen::NmtState::kPreOperational;
  bool silent_ = false;
  bool boot_pending_ = true;
  int drop_ = 0;
  bool corrupt_toggle_ = false;
  double ah_since_eq_ = 12.5;
  double ah_expended_ = 0.0;
  double ah_returned_ = 0.0;
  // Segmented transfer state (one at a time, as a CANopenNode server).
  struct Upload {
    std::uint16_t index;
    std::uint8_t sub;
    std::vector<std::uint8_t> data;
    std::size_t offset = 0;
    bool toggle = false;
  };
  struct Download {
    std::uint16_t index;
    std::uint8_t sub;
    std::vector<std::uint8_t> data;
    std::uint32_t expected = 0;
    bool toggle = false;
  };
  std::optional<Upload> upload_;
  std::optional<Download> download_;
  SuperbNodeStats stats_;
  std::string device_name_ = "Epsilon V2 12V150Ah";
  std::string software_version_;
};

}  // namespace gxlink::sim::canopen
