// SPDX-License-Identifier: MIT
// A small daemon for the MQTT integration tests: a model with fixture services (including
// writable paths, which the demo may not have) published by the real MqttPublisher. The Python
// tests drive it through stdin, one command a line:
//   set <service> <path> <json>   remove <service>   big <n>   quit
// and read "ready", "ok" and "write <service> <path> <json>" lines from stdout.
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/model.hpp"
#include "model/model_json.hpp"
#include "publishers/mqtt/mqtt_publisher.hpp"

using namespace gxlink;

namespace {

model::ItemMeta meta(std::string unit, int decimals, std::optional<double> min = {},
                     std::optional<double> max = {}, bool writable = false) {
  model::ItemMeta m;
  m.unit = std::move(unit);
  m.decimals = decimals;
  m.min = min;
  m.max = max;
  m.writable = writable;
  return m;
}

void say(const std::string& line) {
  std::cout << line << std::endl;  // flushed: the test reads line by line
}

model::WriteHandler echo_writes(model::Model& m, std::string service, std::string path) {
  return [&m, service, path](const model::Value& v) {
    say("write " + service + " " + path + " " + model::to_json(v).dump());
    if (auto* s = m.find(service)) s->set(path, v);
    return model::WriteResult::kOk;
  };
}

void build_fixture(model::Model& m) {
  {
    model::ServiceSpec spec{"battery",
                            "ttyTEST0",
                            279,
                            "gxlink",
                            "VE.Direct",
                            std::int64_t{0xA389},
                            std::string("SmartShunt 500A/50mV"),
                            std::string("v4.16"),
                            model::Invalid{}};
    auto& s = m.add_service(spec);
    s.add("/Dc/0/Voltage", meta("V", 2), 13.25);
    s.add("/Dc/0/Current", meta("A", 1), -1.5);
    s.add("/Dc/0/Power", meta("W", 0), -19.9);
    s.add("/Dc/0/Temperature", meta("°C", 1));
    s.add("/Dc/1/Voltage", meta("V", 2), 12.7);
    s.add("/Soc", meta("%", 1, 0.0, 100.0), 87.5);
  }
  {
    model::ServiceSpec spec{"solarcharger",
                            "ttyTEST1",
                            280,
                            "gxlink",
                            "VE.Direct",
                            std::int64_t{0xA060},
                            std::string("SmartSolar MPPT 100/20"),
                            std::string("v1.61"),
                            model::Invalid{}};
    const std::string name = "com.victronenergy.solarcharger.ttyTEST1";
    auto& s = m.add_service(spec);
    s.add("/Pv/V", meta("V", 2), 38.2);
    s.add("/Yield/Power", meta("W", 0), std::int64_t{120});
    s.add("/Yield/User", meta("kWh", 2), 123.45);
    s.add("/State", meta("", -1), std::int64_t{3});
    s.add("/Link/NetworkMode", meta("", -1), std::int64_t{0});
    s.add("/Settings/ChargeCurrentLimit", meta("A", 1, 0.0, 50.0, true), 35.0,
          echo_writes(m, name, "/Settings/ChargeCurrentLimit"));
    s.add("/Mode", meta("", -1, 1.0, 4.0, true), std::int64_t{1}, echo_writes(m, name, "/Mode"));
  }
  {
    model::ServiceSpec spec{"settings",
                            "",
                            0,
                            "gxlink",
                            "Virtual",
                            model::Invalid{},
                            std::string("Settings"),
                            model::Invalid{},
                            model::Invalid{}};
    auto& s = m.add_service(spec);
    s.add("/Settings/Test/Value", meta("", -1, 0.0, 100.0, true), std::int64_t{5},
          echo_writes(m, "com.victronenergy.settings", "/Settings/Test/Value"));
  }
}

void add_big(model::Model& m, int n) {
  model::ServiceSpec spec{"bigtest",
                          "big",
                          900,
                          "gxlink",
                          "Virtual",
                          model::Invalid{},
                          std::string("Big"),
                          model::Invalid{},
                          model::Invalid{}};
  auto& s = m.add_service(spec);
  char path[32];
  for (int i = 0; i < n; ++i) {
    std::snprintf(path, sizeof path, "/Path/%05d", i);
    s.add(path, meta("V", 2), 1.0 + i);
  }
}

}  // namespace

int main(int argc, char** argv) {
  publishers::mqtt::MqttOptions o;
  o.venus.portal_id = "test123";
  o.client.reconnect_max = seconds(2);
  int big = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--port")
      o.client.port = std::stoi(next());
    else if (a == "--portal-id")
      o.venus.portal_id = next();
    else if (a == "--writes")
      o.venus.writes = true;
    else if (a == "--ha")
      o.homeassistant = true;
    else if (a == "--keepalive-timeout")
      o.venus.keepalive_timeout =
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(std::stod(next())));
    else if (a == "--big")
      big = std::stoi(next());
    else if (a == "--tls-ca") {
      o.client.tls.enabled = true;
      o.client.tls.ca_file = next();
    } else if (a == "--chunk")
      o.republish_chunk = static_cast<std::size_t>(std::stoi(next()));
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  o.client.client_id = "gxlink-test-" + o.venus.portal_id;

  asio::io_context io(1);
  model::Model model;
  model.set_flush_scheduler([&] { asio::post(io, [&] { model.flush(); }); });
  build_fixture(model);
  if (big > 0) add_big(model, big);

  publishers::PublisherContext ctx{io, model};
  publishers::mqtt::MqttPublisher pub(ctx, o);
  pub.start();

  asio::posix::stream_descriptor in(io, ::dup(STDIN_FILENO));
  asio::streambuf buf;
  std::function<void()> read_line = [&] {
    asio::async_read_until(in, buf, '\n', [&](const asio::error_code& ec, std::size_t) {
      if (ec) {
        io.stop();
        return;
      }
      std::istream is(&buf);
      std::string line;
      std::getline(is, line);
      std::istringstream ls(line);
      std::string cmd;
      ls >> cmd;
      if (cmd == "quit") {
        pub.stop();
        io.stop();
        return;
      } else if (cmd == "set") {
        std::string service, path, json;
        ls >> service >> path;
        std::getline(ls, json);
        if (auto* s = model.find(service))
          s->set(path, model::from_json(nlohmann::json::parse(json)));
      } else if (cmd == "remove") {
        std::string service;
        ls >> service;
        model.remove_service(service);
      } else if (cmd == "big") {
        int n = 0;
        ls >> n;
        add_big(model, n);
      }
      say("ok " + cmd);
      read_line();
    });
  };
  read_line();
  asio::post(io, [] { say("ready"); });
  io.run();
  return 0;
}
