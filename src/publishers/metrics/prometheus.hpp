// SPDX-License-Identifier: MIT
#pragma once
/// `GET /metrics` (issue 15 item 6): the model's numeric paths and the daemon's own counters in
/// the Prometheus text exposition format 0.0.4
/// (prometheus.io/docs/instrumenting/exposition_formats), checked with `promtool check metrics` in
/// the tests.
///
/// Model paths become gauges named after the path, so Grafana users pick `victron_dc_0_voltage`
/// rather than filter one giant metric by a label:
///   `/Dc/0/Voltage` of com.victronenergy.battery.ttyUSB1 (instance 289) →
///   `victron_dc_0_voltage{service="com.victronenergy.battery.ttyUSB1",type="battery",instance="289",path="/Dc/0/Voltage"}
///   26.82`
/// - CamelCase parts become snake_case (`/Info/MaxChargeVoltage` →
/// `victron_info_max_charge_voltage`);
/// - a part promtool reads as an abbreviated unit (`s`, `m`, `h`, `d`, `b`, `ms`, …:
/// `/Ac/Out/L1/S`)
///   is joined to the part before it (`victron_ac_out_l1s`), and a name that would end in `_total`
///   (reserved for counters) gets `_value`;
/// - the `path` label keeps the Venus path, so two paths that sanitise alike stay two series;
/// - invalid values, strings and arrays are left out (absent, as Prometheus expects of a value
///   that is not known), booleans do not exist on Venus (integers 0/1).
/// The daemon's own metrics are `gxlink_*` (drivers, HTTP, history, process), supplied by the app.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/model.hpp"
#include "publishers/web/http_route.hpp"

namespace gxlink::publishers::metrics {

struct Sample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct Family {
  std::string name;
  std::string help;
  std::string type = "gauge";  ///< "gauge" or "counter" (a counter's name ends in _total)
  std::vector<Sample> samples;
};

/// `/Dc/0/Voltage` → `victron_dc_0_voltage` (rules above).
std::string metric_name_for_path(std::string_view path);
/// A label value with `\`, `"` and newlines escaped as the format requires.
std::string escape_label_value(std::string_view v);

/// Every numeric path of every service, grouped into families by metric name.
std::vector<Family> model_families(const model::Model& model);
/// The process' own CPU time, resident memory, open descriptors and start time (the standard
/// `process_*` names), read from /proc/self.
std::vector<Family> process_families();

/// The text: families sorted by name, each with HELP and TYPE, its samples together.
std::string render(std::vector<Family> families);

/// `GET /metrics`: the model's families, the process', and whatever `daemon` adds.
publishers::web::RouteHandler metrics_route(const model::Model& model,
                                            std::function<std::vector<Family>()> daemon);

}  // namespace gxlink::publishers::metrics
