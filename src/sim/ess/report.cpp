// SPDX-License-Identifier: MIT
#include "sim/ess/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "core/json_writer.hpp"

namespace gxlink::sim::ess {

namespace {
std::string fmt(double v, int decimals) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}
}  // namespace

void write_trace_csv(const RunResult& r, std::ostream& out) {
  out << "t_s,cvl_v,ccl_a,dcl_a,pack_v,pack_i_a,soc,cell_min_v,cell_max_v,pv_w,load_w,grid_w,"
         "pv_avail_w,acpv_w,freq_hz,phase";
  for (int c = 1; c <= r.options.cells; ++c) out << ",cell_" << c << "_v";
  out << '\n';
  std::string line;
  for (const auto& row : r.trace) {
    line.clear();
    line += fmt(row.t_s, 0);
    for (auto [v, d] : {std::pair{row.cvl_v, 2},
                        {row.ccl_a, 1},
                        {row.dcl_a, 1},
                        {row.pack_v, 3},
                        {row.pack_i_a, 2},
                        {row.soc, 3},
                        {row.cell_min_v, 4},
                        {row.cell_max_v, 4},
                        {row.pv_w, 1},
                        {row.load_w, 1},
                        {row.grid_w, 1},
                        {row.pv_avail_w, 1},
                        {row.acpv_w, 1},
                        {row.freq_hz, 3}}) {
      line += ',';
      line += fmt(v, d);
    }
    line += ',';
    line += std::to_string(row.phase);
    for (float v : row.cell_v) {
      line += ',';
      line += fmt(v, 4);
    }
    line += '\n';
    out << line;
  }
}

namespace {

struct Panel {
  std::string title, unit;
  double lo, hi;
  double y0, h;  // pixel box
};

constexpr double kLeft = 70, kRight = 150, kWidth = 1100, kPanelH = 170, kGap = 40, kTop = 64;

class Svg {
 public:
  Svg(std::ostream& out, double hours) : out_(out), hours_(hours) {}
  double x(double t_s) const { return kLeft + (t_s / 3600) / hours_ * (kWidth - kLeft - kRight); }
  static double y(const Panel& p, double v) {
    const double f = std::clamp((v - p.lo) / (p.hi - p.lo), -0.02, 1.02);
    return p.y0 + p.h * (1 - f);
  }
  void frame(const Panel& p) {
    const double x1 = kWidth - kRight;
    out_ << "<rect x='" << kLeft << "' y='" << p.y0 << "' width='" << x1 - kLeft << "' height='"
         << p.h << "' fill='#fff' stroke='#888'/>\n";
    out_ << "<text x='" << kLeft << "' y='" << p.y0 - 6 << "' class='t'>" << p.title << " ("
         << p.unit << ")</text>\n";
    for (int i = 0; i <= 4; ++i) {
      const double v = p.lo + (p.hi - p.lo) * i / 4;
      const double yy = y(p, v);
      out_ << "<line x1='" << kLeft << "' x2='" << x1 << "' y1='" << yy << "' y2='" << yy
           << "' stroke='#eee'/><text x='" << kLeft - 6 << "' y='" << yy + 4
           << "' text-anchor='end' class='a'>" << fmt(v, p.hi - p.lo < 2 ? 2 : 0) << "</text>\n";
    }
    const int ticks = static_cast<int>(std::ceil(hours_));
    const int every = ticks > 12 ? 4 : 1;
    for (int h = 0; h <= ticks; h += every) {
      const double xx = x(h * 3600.0);
      if (xx > x1 + 1) break;
      out_ << "<text x='" << xx << "' y='" << p.y0 + p.h + 14 << "' text-anchor='middle' class='a'>"
           << h << " h</text>\n";
    }
  }
  /// A series decimated to one min and one max per pixel column, so spikes stay visible.
  void series(const Panel& p, const std::vector<TraceRow>& rows,
              const std::function<double(const TraceRow&)>& f, const std::string& colour,
              double width, const std::string& dash = "", double columns = 0) {
    if (rows.empty()) return;
    out_ << "<polyline fill='none' stroke='" << colour << "' stroke-width='" << width << "'"
         << (dash.empty() ? "" : " stroke-dasharray='" + dash + "'") << " points='";
    // One min/max pair per column; whole pixels keep the file small (docs carry these plots).
    const double cols = columns > 0 ? columns : (kWidth - kLeft - kRight) / 2;
    const std::size_t per = std::max<std::size_t>(1, rows.size() / static_cast<std::size_t>(cols));
    for (std::size_t i = 0; i < rows.size(); i += per) {
      double lo = f(rows[i]), hi = lo;
      std::size_t ilo = i, ihi = i;
      for (std::size_t j = i; j < std::min(rows.size(), i + per); ++j) {
        const double v = f(rows[j]);
        if (v < lo) lo = v, ilo = j;
        if (v > hi) hi = v, ihi = j;
      }
      const bool lo_first = ilo <= ihi;
      const double a = lo_first ? lo : hi, b = lo_first ? hi : lo;
      out_ << fmt(x(rows[std::min(ilo, ihi)].t_s), 0) << ',' << fmt(y(p, a), 0) << ' ';
      if (per > 1 && a != b)
        out_ << fmt(x(rows[std::max(ilo, ihi)].t_s), 0) << ',' << fmt(y(p, b), 0) << ' ';
    }
    out_ << "'/>\n";
  }
  void legend(const Panel& p, int slot, const std::string& colour, const std::string& label) {
    const double lx = kWidth - kRight + 10, ly = p.y0 + 14 + slot * 16;
    out_ << "<line x1='" << lx << "' x2='" << lx + 18 << "' y1='" << ly - 4 << "' y2='" << ly - 4
         << "' stroke='" << colour << "' stroke-width='2'/><text x='" << lx + 22 << "' y='" << ly
         << "' class='a'>" << label << "</text>\n";
  }

 private:
  std::ostream& out_;
  double hours_;
};

}  // namespace

void write_plot_svg(const RunResult& r, std::ostream& out) {
  const auto& rows = r.trace;
  const double height = kTop + 4 * (kPanelH + kGap) + 10;
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kWidth << "' height='" << height
      << "' font-family='sans-serif'>\n<style>.t{font-size:13px;font-weight:bold}"
         ".a{font-size:11px;fill:#333}</style>\n<rect width='100%' height='100%' "
         "fill='#fafafa'/>\n";
  out << "<text x='" << kLeft
      << "' y='22' font-size='16'>gxlink sim ess: " << to_string(r.options.scenario) << ", policy "
      << to_string(r.options.policy) << ", " << r.options.cells << " × "
      << control::to_string(r.options.chemistry) << ", imbalance " << fmt(r.imbalance_mv, 0)
      << " mV: " << (r.pass ? "PASS" : "FAIL") << "</text>\n";
  std::string failed;
  for (const auto& c : r.checks)
    if (!c.pass) failed += (failed.empty() ? "" : ", ") + c.name;
  if (!failed.empty())
    out << "<text x='" << kLeft << "' y='38' font-size='12' fill='#b00'>failed: " << failed
        << "</text>\n";
  Svg svg(out, r.hours);

  // Cell voltages: the whole span the cells use, up to just above the trip voltage.
  double vlo = 1e9;
  for (const auto& row : rows) vlo = std::min(vlo, row.cell_min_v);
  const double trip = r.trip_v;
  vlo = std::min(vlo, trip - 0.3);
  const double cells = r.options.cells;
  Panel pv{"cell voltages, CVL / cells and trip",
           "V",
           std::floor(vlo * 20) / 20,
           trip + 0.1,
           kTop,
           kPanelH};
  svg.frame(pv);
  static const char* kCellColours[] = {"#9ecae1", "#a1d99b", "#fdae6b", "#bcbddc"};
  for (int c = 0; c < r.options.cells; ++c)
    svg.series(
        pv, rows,
        [c](const TraceRow& t) {
          return static_cast<double>(t.cell_v[static_cast<std::size_t>(c)]);
        },
        kCellColours[c % 4], 0.8, "", 220);
  svg.series(
      pv, rows, [](const TraceRow& t) { return t.cell_max_v; }, "#d62728", 1.2);
  svg.series(
      pv, rows, [cells](const TraceRow& t) { return t.cvl_v / cells; }, "#000", 1.6);
  svg.series(
      pv, rows, [trip](const TraceRow&) { return trip; }, "#d62728", 1, "6,4");
  svg.legend(pv, 0, "#000", "CVL / cells");
  svg.legend(pv, 1, "#d62728", "max cell");
  svg.legend(pv, 2, "#9ecae1", "cells");
  svg.legend(pv, 3, "#d62728", "trip (dashed)");

  double imax = 1;
  for (const auto& row : rows) imax = std::max({imax, std::abs(row.pack_i_a), row.ccl_a});
  Panel pi{"currents, charging positive", "A",    -imax * 1.1, imax * 1.1,
           kTop + kPanelH + kGap,         kPanelH};
  svg.frame(pi);
  svg.series(
      pi, rows, [](const TraceRow& t) { return t.ccl_a; }, "#2ca02c", 1.2);
  svg.series(
      pi, rows, [](const TraceRow& t) { return -t.dcl_a; }, "#ff7f0e", 1.2);
  svg.series(
      pi, rows, [](const TraceRow& t) { return t.pack_i_a; }, "#1f77b4", 1.2);
  svg.legend(pi, 0, "#1f77b4", "battery");
  svg.legend(pi, 1, "#2ca02c", "CCL");
  svg.legend(pi, 2, "#ff7f0e", "-DCL");

  Panel ps{"state of charge", "%", 50, 100, kTop + 2 * (kPanelH + kGap), kPanelH};
  svg.frame(ps);
  svg.series(
      ps, rows, [](const TraceRow& t) { return t.soc; }, "#9467bd", 1.4);
  svg.legend(ps, 0, "#9467bd", "SOC");

  double pmax = 1;
  for (const auto& row : rows)
    pmax = std::max({pmax, row.pv_avail_w, row.load_w, std::abs(row.grid_w), row.acpv_w});
  Panel pp{"power", "W", -pmax * 1.05, pmax * 1.05, kTop + 3 * (kPanelH + kGap), kPanelH};
  svg.frame(pp);
  const bool offgrid = r.options.scenario == ScenarioKind::kOffgridAc;
  svg.series(
      pp, rows, [](const TraceRow& t) { return t.pv_avail_w; }, "#bbb", 1, "4,3");
  svg.series(
      pp, rows, [offgrid](const TraceRow& t) { return offgrid ? t.acpv_w : t.pv_w; }, "#e6b800",
      1.4);
  svg.series(
      pp, rows, [](const TraceRow& t) { return t.load_w; }, "#8c564b", 1.2);
  if (!offgrid)
    svg.series(
        pp, rows, [](const TraceRow& t) { return t.grid_w; }, "#17becf", 1.4);
  svg.legend(pp, 0, "#e6b800", offgrid ? "AC PV" : "PV (MPPT)");
  svg.legend(pp, 1, "#bbb", "PV available");
  svg.legend(pp, 2, "#8c564b", "load");
  if (!offgrid) svg.legend(pp, 3, "#17becf", "grid (+import)");
  out << "</svg>\n";
}

void write_json(const RunResult& r, double wall_s, std::ostream& out) {
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.key("scenario");
  w.string(to_string(r.options.scenario));
  w.key("policy");
  w.string(to_string(r.options.policy));
  w.key("cells");
  w.integer(r.options.cells);
  w.key("chemistry");
  w.string(control::to_string(r.options.chemistry));
  w.key("imbalance_mv");
  w.number(r.imbalance_mv);
  w.key("imbalance_soc_pct");
  w.number(r.imbalance_soc_pct);
  w.key("hours");
  w.number(r.hours);
  w.key("capacity_ah");
  w.number(r.capacity_ah);
  w.key("trip_v");
  w.number(r.trip_v);
  w.key("metrics");
  w.begin_object();
  for (const auto& c : r.checks) {
    w.key(c.name);
    w.number(c.value);
  }
  w.end_object();
  w.key("checks");
  w.begin_array();
  for (const auto& c : r.checks) {
    w.begin_object();
    w.key("name");
    w.string(c.name);
    w.key("value");
    w.number(c.value);
    w.key("limit");
    w.number(c.limit);
    w.key("pass");
    w.boolean(c.pass);
    w.key("meaning");
    w.string(c.meaning);
    w.end_object();
  }
  w.end_array();
  const auto& e = r.energy;
  w.key("energy_wh");
  w.begin_object();
  for (auto [k, v] : {std::pair{"pv", e.pv_j},
                      {"ac_pv", e.acpv_j},
                      {"grid_import", e.import_j},
                      {"grid_export", e.export_j},
                      {"load", e.load_j},
                      {"stored", r.stored_j},
                      {"loss_inverter", e.inverter_loss_j},
                      {"loss_resistive", e.resistive_j},
                      {"loss_balancer", e.balancer_j}}) {
    w.key(k);
    w.number(v / 3600);
  }
  w.end_object();
  w.key("sim_seconds");
  w.number(r.sim_seconds);
  w.key("wall_seconds");
  w.number(wall_s);
  w.key("speedup");
  w.number(wall_s > 0 ? r.sim_seconds / wall_s : 0);
  w.key("verdict");
  w.string(r.pass ? "pass" : "fail");
  w.end_object();
  out << s << '\n';
}

void write_summary(const RunResult& r, std::ostream& out) {
  out << "sim ess " << to_string(r.options.scenario) << " / " << to_string(r.options.policy) << ", "
      << r.options.cells << " cells " << control::to_string(r.options.chemistry) << ", imbalance "
      << fmt(r.imbalance_mv, 0) << " mV, " << fmt(r.hours, 2) << " h\n";
  for (const auto& c : r.checks)
    out << "  " << (c.pass ? "ok   " : "FAIL ") << c.name << " = " << fmt(c.value, 3) << "  (limit "
        << fmt(c.limit, 3) << ": " << c.meaning << ")\n";
  out << (r.pass ? "PASS\n" : "FAIL\n");
}

}  // namespace gxlink::sim::ess
