// SPDX-License-Identifier: MIT
// The history routes' parameter checks and the export formats, without a socket (the daemon-level
// API tests are tests/integration/app/history_api_test.cpp).
#include "publishers/history/history_api.hpp"

#include <gtest/gtest.h>

#include "publishers/history/history_recorder.hpp"
#include "publishers/web/http_request.hpp"

namespace gxlink::publishers::history {
namespace {

constexpr std::int64_t kT0 = 1'765'000'800;

TEST(HttpQuery, ParametersArePercentDecoded) {
  using publishers::web::query_param;
  EXPECT_EQ(query_param("/x?path=%2FDc%2F0%2FVoltage&a=1", "path"), "/Dc/0/Voltage");
  EXPECT_EQ(query_param("/x?a=1&b=two+words", "b"), "two words");
  EXPECT_EQ(query_param("/x?flag&a=1", "flag"), "");
  EXPECT_FALSE(query_param("/x?a=1", "b"));
  EXPECT_FALSE(query_param("/x", "a"));
  EXPECT_FALSE(query_param("/x?a=%4", "a"));
  EXPECT_FALSE(query_param("/x?a=%zz", "a"));
  EXPECT_FALSE(query_param("/x?a=%00", "a"));
}

TEST(HistoryApi, UnixSecondsAreDigitsWithAnOptionalFraction) {
  EXPECT_EQ(parse_unix_seconds("1765000800"), 1765000800);
  EXPECT_EQ(parse_unix_seconds("1765000800.75"), 1765000800);
  EXPECT_FALSE(parse_unix_seconds("-5"));
  EXPECT_FALSE(parse_unix_seconds("17e8"));
  EXPECT_FALSE(parse_unix_seconds(""));
  EXPECT_FALSE(parse_unix_seconds("12."));
  EXPECT_FALSE(parse_unix_seconds("99999999999999"));
}

TEST(HistoryApi, CsvAndJsonLinesRows) {
  EXPECT_EQ(csv_header(), "time,unix_s,service,path,value,min,max\r\n");
  std::string csv;
  append_csv_row(csv, {"com.victronenergy.system", "/Dc/Battery/Soc", kT0, 55.5, {}, {}});
  EXPECT_EQ(csv,
            "2025-12-06T06:00:00Z,1765000800,com.victronenergy.system,/Dc/Battery/Soc,55.5,,\r\n");
  csv.clear();
  append_csv_row(csv, {"odd,\"name", "/P", kT0, std::nullopt, 1.0, 2.0});
  EXPECT_EQ(csv, "2025-12-06T06:00:00Z,1765000800,\"odd,\"\"name\",/P,,1,2\r\n");
  std::string jl;
  append_jsonl_row(jl, {"s", "/P", kT0, 3.25, 3.0, 4.0});
  EXPECT_EQ(jl,
            "{\"t\":1765000800,\"time\":\"2025-12-06T06:00:00Z\",\"service\":\"s\",\"path\":\"/P\","
            "\"value\":3.25,\"min\":3,\"max\":4}\n");
}

struct Fixture {
  Fixture() {
    publishers::history::RecorderOptions o;
    o.now_unix = [] { return kT0 + 100; };
    recorder = std::make_unique<HistoryRecorder>(publishers::PublisherContext{io, model}, o);
    recorder->start();
    io.poll();  // start() opens the store from the loop
    auto* s = recorder->store();
    const auto id = *s->series_id("com.victronenergy.system", "/Dc/Battery/Soc");
    std::vector<Sample> v{{id, kT0, 50.0}, {id, kT0 + 10, 51.0}};
    (void)s->append(v);
    routes = history_routes(*recorder);
  }
  publishers::web::RouteResponse get(const std::string& target) {
    publishers::web::Request req;
    req.method = "GET";
    req.target = target;
    auto r = routes(req);
    EXPECT_TRUE(r.has_value()) << target;
    return r ? *r : publishers::web::RouteResponse{};
  }
  asio::io_context io;
  model::Model model;
  std::unique_ptr<HistoryRecorder> recorder;
  publishers::web::RouteHandler routes;
};

TEST(HistoryApi, HistoryAnswersJsonPairs) {
  Fixture f;
  auto r = f.get("/api/history?service=com.victronenergy.system&path=%2FDc%2FBattery%2FSoc&from=" +
                 std::to_string(kT0) + "&to=" + std::to_string(kT0 + 60));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[[1765000800,50],[1765000810,51]]");
  EXPECT_NE(r.extra_headers.find("X-History-Resolution: raw"), std::string::npos);
}

TEST(HistoryApi, BadParametersAre400WithAMessage) {
  Fixture f;
  const std::string ok = "service=com.victronenergy.system&path=/Dc/Battery/Soc";
  const std::pair<std::string, std::string> cases[] = {
      {"/api/history?" + ok + "&to=5", "missing parameter 'from'"},
      {"/api/history?" + ok + "&from=x&to=5", "parameter 'from' must be unix seconds"},
      {"/api/history?" + ok + "&from=10&to=5", "'to' must be after 'from'"},
      {"/api/history?" + ok + "&from=0&to=99999999", "range longer than 400 days"},
      {"/api/history?path=/Soc&from=1&to=2", "parameter 'service'"},
      {"/api/history?service=a;b&path=/Soc&from=1&to=2", "parameter 'service'"},
      {"/api/history?service=a&path=Soc&from=1&to=2", "parameter 'path'"},
      {"/api/history?" + ok + "&from=1&to=2&max_points=0", "max_points"},
      {"/api/history?" + ok + "&from=1&to=2&max_points=10001", "max_points"},
      {"/api/history?" + ok + "&from=1&to=2&stat=median", "stat"},
      {"/api/export.csv?from=1", "missing parameter 'to'"},
      {"/api/export.csv?from=1&to=2&resolution=5m", "resolution"},
      {"/api/export.csv?from=1&to=2&service=%22", "service"},
  };
  for (const auto& [target, message] : cases) {
    auto r = f.get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_NE(r.body.find(message), std::string::npos) << target << " → " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
  }
  auto missing = f.get("/api/history?service=com.victronenergy.system&path=/Nope&from=1&to=2");
  EXPECT_EQ(missing.status, 404);
}

TEST(HistoryApi, ExportStreamsCsvWithAHeader) {
  Fixture f;
  auto r = f.get("/api/export.csv?from=" + std::to_string(kT0) + "&to=" + std::to_string(kT0 + 60));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  ASSERT_TRUE(r.stream);
  std::string all;
  for (std::string piece; !(piece = r.stream()).empty();) all += piece;
  EXPECT_EQ(
      all, csv_header() +
               "2025-12-06T06:00:00Z,1765000800,com.victronenergy.system,/Dc/Battery/Soc,50,,\r\n"
               "2025-12-06T06:00:10Z,1765000810,com.victronenergy.system,/Dc/Battery/Soc,51,,\r\n");
}

TEST(HistoryApi, OtherPathsAreLeftToTheServer) {
  Fixture f;
  publishers::web::Request req;
  req.method = "GET";
  req.target = "/api/model";
  EXPECT_FALSE(f.routes(req).has_value());
  req.method = "POST";
  req.target = "/api/history";
  EXPECT_EQ(f.routes(req)->status, 405);
}

}  // namespace
}  // namespace gxlink::publishers::history
