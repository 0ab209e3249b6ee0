// SPDX-License-Identifier: MIT
#pragma once
/// The BMS role (battery emulation): speak CAN-bus BMS to an inverter on behalf of a battery whose
/// data comes from elsewhere (seeds/001 §1.4, §1.5, §2). Sans-I/O like GxSession.
///
/// Safety behaviour (DESIGN.md "Safety rules"; issue 3 §4):
///  - 0x351 goes out every second (the inverter stops after 3 s without it), CVL is never 0;
///  - when the source data goes stale (on_source_lost(), or no on_source() for `source_timeout`)
///    the session sends CCL = DCL = 0 for `failsafe_hold`, then goes silent, so the inverter stops;
///  - the inverter's 0x305 is watched and its absence tolerated for `inverter_timeout`
///    (default 10 min, seeds/001 §1.4) before the link is reported lost; sending never depends on
///    it.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/can_frame.hpp"
#include "core/time.hpp"
#include "protocols/canbms/codec.hpp"

namespace gxlink::canbms {

/// What the source battery reports; nullopt = not available. Units as in the Venus model.
struct BatterySnapshot {
  std::optional<double> voltage_v, current_a, temperature_c;
  std::optional<double> soc_pct, soh_pct;
  std::optional<double> min_cell_voltage_v, max_cell_voltage_v;
  std::optional<double> min_cell_temperature_c, max_cell_temperature_c;
  std::optional<double> capacity_ah, installed_capacity_ah;
  std::optional<double> charged_kwh, discharged_kwh;
  /// 0x372 module counts (Venus /System/NrOfModules*); sent when any is known.
  std::optional<std::uint16_t> modules_online, modules_blocking_charge, modules_blocking_discharge,
      modules_offline;
  /// 0x374-0x377 cell ids (Venus /System/Min|MaxVoltageCellId, Min|MaxTemperatureCellId).
  std::string min_voltage_cell_id, max_voltage_cell_id, min_temperature_cell_id,
      max_temperature_cell_id;
  /// Venus alarm level (0 OK, 1 warning, 2 alarm) per kAlarms entry; nullopt = not supported.
  std::array<std::optional<int>, kAlarms.size()> alarm_levels{};
};

/// The three set-points of seeds/001 §1.5, plus the (unused by Victron) discharge voltage.
struct LimitValues {
  double charge_voltage_v = 0;
  double charge_current_a = 0;
  double discharge_current_a = 0;
  std::optional<double> battery_low_voltage_v;
};

/// Decides CVL/CCL/DCL. Static limits from config now; a dynamic controller comes later (issue 3).
class LimitPolicy {
 public:
  virtual ~LimitPolicy() = default;
  virtual LimitValues limits(const BatterySnapshot& battery, TimePoint now) = 0;
};

class StaticLimitPolicy final : public LimitPolicy {
 public:
  explicit StaticLimitPolicy(LimitValues v) : v_(v) {}
  LimitValues limits(const BatterySnapshot&, TimePoint) override { return v_; }

 private:
  LimitValues v_;
};

/// Encodes a snapshot's alarm levels as 0x35A pairs: level 2 -> alarm 01, level 1 -> warning 01,
/// otherwise 10 (OK); unsupported -> 00 in both (seeds/001: "Use 00 for ... not supported").
Alarms alarms_from_levels(const std::array<std::optional<int>, kAlarms.size()>& levels) noexcept;

struct BmsOptions {
  Duration fast_period = seconds(1);      ///< 0x351/0x355/0x356/0x35A/0x373: "every second" (§1.4)
  Duration slow_period = seconds(10);     ///< identification and details
  Duration source_timeout = seconds(30);  ///< no fresh source data for this long -> fail-safe
  Duration failsafe_hold = seconds(5);    ///< CCL = DCL = 0 for this long, then silence
  Duration inverter_timeout = std::chrono::minutes(10);  ///< seeds/001 §1.4 minimum advised
  /// 0x35E. Neutral on purpose: the GX applies per-brand overrides to CVL/CCL for some names
  /// (reference/canbms_canopen.md §0.5), which would defeat our policy.
  std::string manufacturer = "GXLINK";
  std::string name;    ///< 0x370/0x371 when longer than 8 characters (seeds/001 0x370 notes)
  std::string serial;  ///< 0x380/0x381 when not empty
  std::string family;  ///< 0x382 when not empty
  std::uint16_t firmware = 0x0100;
};

enum class BmsState { kWaiting, kRunning, kFailSafe, kStopped };
enum class InverterLink { kNeverSeen, kOk, kLost };
const char* to_string(BmsState s) noexcept;
const char* to_string(InverterLink s) noexcept;

class BmsSession {
 public:
  BmsSession(BmsOptions o, std::shared_ptr<LimitPolicy> policy);

  /// Fresh data from the source battery (its service updated while connected).
  void on_source(const BatterySnapshot& b, TimePoint now);
  /// The source is gone (its /Connected is 0 or its service vanished): start the fail-safe now.
  void on_source_lost(TimePoint now);
  /// A frame from the bus: 0x305/0x306/0x307 refresh the inverter link; everything else is ignored.
  void on_frame(const CanFrame& f, TimePoint now) noexcept;
  /// Appends the frames due at `now` and advances the state machine.
  void on_tick(TimePoint now, std::vector<CanFrame>& out);
  std::optional<TimePoint> next_deadline() const noexcept;

  BmsState state() const noexcept { return state_; }
  InverterLink inverter_link(TimePoint now) const noexcept;
  bool inverter_is_victron() const noexcept { return inverter_victron_; }
  const std::optional<LimitValues>& last_limits() const noexcept { return last_limits_; }

 private:
  void enter_failsafe(TimePoint now);
  void send_fast(TimePoint now, std::vector<CanFrame>& out);
  void send_slow(std::vector<CanFrame>& out) const;

  BmsOptions options_;
  std::shared_ptr<LimitPolicy> policy_;
  BmsState state_ = BmsState::kWaiting;
  BatterySnapshot battery_;
  std::optional<TimePoint> last_source_;
  std::optional<TimePoint> failsafe_since_;
  std::optional<TimePoint> next_fast_, next_slow_;
  std::optional<TimePoint> last_keepalive_;
  bool inverter_victron_ = false;
  std::optional<LimitValues> last_limits_;
};

}  // namespace gxlink::canbms
