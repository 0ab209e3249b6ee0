// SPDX-License-Identifier: MIT
#pragma once
/// The CANopen battery bank logic, without I/O (driver-minus-transport, STYLE.md rule 20): frames
/// and time in, frames out through a send function, model updates on the services it owns.
///  - one `com.victronenergy.battery.canopen_node<N>` per node, values polled by SDO from the
///    object map; `/Connected` 0 and values invalid when a node is silent for `node_timeout`;
///  - objects a node does not have (abort 0x06020000 / 0x06090011) stay invalid and are asked for
///    again only every `missing_retry` (or after the node boots again);
///  - an aggregate service for a parallel bank: summed current, power and capacity,
///    capacity-weighted SOC, mean voltage, min/max temperature, the count of batteries online;
///    a node joins it only while connected with valid voltage, current and SOC;
///  - heartbeats give the NMT state and a duplicate-node-id guess, EMCY frames are shown and
///  logged;
///  - `/CanOpen/Updates` counts, at most once per `kRefreshPeriod`, the periods in which a node
///    (or, for the aggregate, a member) answered with data: a battery at rest has steady values,
///    and a consumer such as the BMS role (drivers/canbms/bms_driver.hpp) must still see that its
///    source is alive, and not take it for stale (issue 6 item 4).
/// CanopenDriver (canopen_driver.hpp) puts a transport and an Asio timer around it; the snapshot
/// command and the tests drive it directly with capture or fake time.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/log_limit.hpp"
#include "drivers/canopen/canopen_config.hpp"
#include "drivers/driver.hpp"
#include "model/device_instances.hpp"
#include "model/model.hpp"
#include "protocols/canopen/node_monitor.hpp"
#include "protocols/canopen/sdo_client.hpp"
#include "protocols/canopen/sdo_observer.hpp"

namespace gxlink::drivers::canopen {

struct BankStats {
  std::uint64_t frames = 0;
  std::uint64_t decode_errors = 0;    ///< heartbeats/EMCY that did not decode, values of wrong size
  std::uint64_t foreign_nodes = 0;    ///< frames from nodes not in the list (when a list is given)
  std::uint64_t missing_objects = 0;  ///< "does not exist" answers
  std::uint64_t emcy = 0;
  std::uint64_t repaired_strings = 0;  ///< string objects that were not UTF-8 (read as Latin-1)
  std::uint64_t narrow_answers = 0;    ///< answers narrower than the object's type, accepted
};

class CanopenBank {
 public:
  using SendFn = std::function<bool(const CanFrame&)>;

  CanopenBank(model::Model& model, model::DeviceInstances& instances, CanopenConfig config,
              SendFn send);
  ~CanopenBank();
  CanopenBank(const CanopenBank&) = delete;
  CanopenBank& operator=(const CanopenBank&) = delete;

  /// Creates the services of the configured nodes (disconnected until they answer).
  void start(TimePoint now);
  /// Removes the services.
  void stop();

  void on_frame(const CanFrame& f, TimePoint now);
  void on_tick(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  bool online(std::uint8_t node) const;
  std::vector<std::uint8_t> nodes() const;
  Health health() const;
  const BankStats& stats() const noexcept { return stats_; }
  const gxlink::canopen::SdoClientStats& sdo_stats() const noexcept { return client_.stats(); }
  const CanopenConfig& config() const noexcept { return config_; }

  /// "com.victronenergy.battery.canopen_node<N>"
  std::string node_service_name(std::uint8_t node) const;
  std::string aggregate_service_name() const;
  /// How many answers for object `obj` (index into config().objects) of `node` were narrower
  /// than its type and accepted.
  std::uint64_t narrow_answers(std::uint8_t node, std::size_t obj) const;

 private:
  enum class ObjectStatus { kUnknown, kOk, kMissing, kFailed };
  struct ObjectState {
    TimePoint next_due{};
    bool in_flight = false;
    ObjectStatus status = ObjectStatus::kUnknown;
    bool missing_logged = false;
    std::uint64_t narrow_answers = 0;  ///< answers narrower than the type (issue 13 item 2)
  };
  struct Node {
    NodeConfig cfg;
    model::Service* service = nullptr;
    std::vector<ObjectState> objects;
    bool online = false;
    std::optional<TimePoint> last_heard;   ///< any frame from the node
    std::optional<TimePoint> last_answer;  ///< an SDO answer (any frame when listen-only)
    bool duplicate = false;
    std::optional<TimePoint> duplicate_until;  ///< SDO-based duplicate-id flag held until then
    bool answered = false;                     ///< data arrived since the last refresh
    std::int64_t updates = 0;                  ///< /CanOpen/Updates
  };

  Node* find_node(std::uint8_t id, TimePoint now, bool from_node);
  Node& add_node(NodeConfig cfg, TimePoint now);
  void heard(Node& n, TimePoint now, bool answer);
  void go_offline(Node& n);
  void set_static_paths(Node& n);
  void apply_value(Node& n, std::size_t obj, const std::vector<std::uint8_t>& data,
                   bool size_known);
  void invalidate_object(Node& n, std::size_t obj);
  void on_outcome(const gxlink::canopen::SdoOutcome& o, TimePoint now);
  void on_observed(const gxlink::canopen::ObservedTransfer& t, TimePoint now);
  void on_abort(Node& n, std::size_t obj, std::uint32_t code, TimePoint now);
  void poll(TimePoint now);
  void update_derived(Node& n);
  void update_aggregate();
  void flush_frames();
  void ensure_aggregate();
  void report_anomalies(TimePoint now);
  void refresh(TimePoint now);

  model::Model& model_;
  model::DeviceInstances& instances_;
  CanopenConfig config_;
  SendFn send_;
  gxlink::canopen::SdoClient client_;
  gxlink::canopen::SdoObserver observer_;
  gxlink::canopen::NodeMonitor monitor_;
  std::map<std::uint8_t, Node> nodes_;
  model::Service* aggregate_ = nullptr;
  bool started_ = false;
  BankStats stats_;
  RateLimiter log_limit_{seconds(60)};  ///< EMCY and boot-up lines, per node and code
  std::uint64_t reported_anomalies_ = 0;
  std::optional<TimePoint> last_report_;
  std::optional<TimePoint> last_refresh_;
  std::int64_t aggregate_updates_ = 0;
};

}  // namespace gxlink::drivers::canopen
