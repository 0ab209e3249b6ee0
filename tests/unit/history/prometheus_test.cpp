// SPDX-License-Identifier: MIT
// GET /metrics names and text (promtool itself checks the daemon's output in
// tests/integration/app/history_api_test.cpp).
#include "publishers/metrics/prometheus.hpp"

#include <gtest/gtest.h>

namespace gxlink::publishers::metrics {
namespace {

TEST(Prometheus, PathsBecomeSnakeCaseMetricNames) {
  EXPECT_EQ(metric_name_for_path("/Dc/0/Voltage"), "victron_dc_0_voltage");
  EXPECT_EQ(metric_name_for_path("/Info/MaxChargeVoltage"), "victron_info_max_charge_voltage");
  EXPECT_EQ(metric_name_for_path("/Ac/ActiveIn/L1/P"), "victron_ac_active_in_l1_p");
  EXPECT_EQ(metric_name_for_path("/Soc"), "victron_soc");
  EXPECT_EQ(metric_name_for_path("/Dc/Battery/TimeToGo"), "victron_dc_battery_time_to_go");
  EXPECT_EQ(metric_name_for_path("/Ac/Out/L1/S"), "victron_ac_out_l1s");  // not a lone "_s"
  EXPECT_EQ(metric_name_for_path("/Yield/Total"), "victron_yield_total_value");
  EXPECT_EQ(metric_name_for_path("/Alarms/HighCVL"), "victron_alarms_high_cvl");
  EXPECT_EQ(metric_name_for_path("/Mgmt/Process-Name"), "victron_mgmt_process_name");
}

TEST(Prometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(Prometheus, ModelValuesAreGaugesWithServiceLabels) {
  model::Model m;
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = "ttyUSB1";
  spec.device_instance = 289;
  auto& s = m.add_service(spec);
  s.set("/Dc/0/Voltage", 26.5);
  s.set("/Soc", model::Invalid{});
  s.set("/ProductName", std::string("SmartShunt"));
  const auto text = render(model_families(m));
  EXPECT_NE(text.find("# TYPE victron_dc_0_voltage gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("victron_dc_0_voltage{service=\"com.victronenergy.battery.ttyUSB1\","
                      "type=\"battery\",instance=\"289\",path=\"/Dc/0/Voltage\"} 26.5\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("victron_soc"), std::string::npos);   // invalid: absent
  EXPECT_EQ(text.find("product_name"), std::string::npos);  // a string: absent
}

TEST(Prometheus, OneFamilyPerNameWithHelpAndTypeFirst) {
  std::vector<Family> f{{"b_total", "B", "counter", {{{{"k", "1"}}, 1}}},
                        {"a", "A", "gauge", {{{}, 2}}},
                        {"b_total", "B again", "counter", {{{{"k", "2"}}, 3}}}};
  EXPECT_EQ(render(f),
            "# HELP a A\n# TYPE a gauge\na 2\n"
            "# HELP b_total B\n# TYPE b_total counter\nb_total{k=\"1\"} 1\nb_total{k=\"2\"} 3\n");
}

TEST(Prometheus, ProcessMetricsAreRead) {
  const auto text = render(process_families());
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_cpu_seconds_total "), std::string::npos);
}

}  // namespace
}  // namespace gxlink::publishers::metrics
