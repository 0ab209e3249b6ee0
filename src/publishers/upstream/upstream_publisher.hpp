// SPDX-License-Identifier: MIT
#pragma once
/// The `[upstream]` outputs (issue 18): each `[[upstream.mqtt]]` and `[[upstream.influx]]` table is
/// one output with its own sampler, its own on-disk queue (`<data_dir>/upstream-<name>.sqlite`)
/// and its own forwarder. They observe the model on the daemon's loop; nothing here has a thread.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "publishers/mqtt/mqtt_client.hpp"
#include "publishers/publisher.hpp"
#include "publishers/upstream/forwarder.hpp"
#include "publishers/upstream/http_post.hpp"
#include "publishers/upstream/sample_queue.hpp"

namespace gxlink::publishers::upstream {

/// What every output has: where its queue is, how big it may grow, how often it samples.
struct OutputOptions {
  std::string name;                  ///< unique among the outputs; names the queue file
  std::filesystem::path queue_file;  ///< empty: in memory (tests)
  QueueLimits limits;
  Duration min_interval = seconds(1);
  Duration snapshot_interval = std::chrono::minutes(10);
  ForwardOptions forward;
  std::string portal_id;
};

struct MqttOutputOptions {
  OutputOptions common;
  publishers::mqtt::ClientOptions client;  ///< QoS 1 window in client.max_inflight
  std::string prefix = "gxlink";
};

struct InfluxOutputOptions {
  OutputOptions common;
  HttpTarget target;
  int version = 2;  ///< 1: /write?db=, 2: /api/v2/write?org=&bucket=
  std::string database, retention_policy, username, password;  // v1
  std::string org, bucket, token;                              // v2
  std::string measurement = "gxlink";
  std::chrono::milliseconds timeout{10000};
  Duration retry_min = seconds(1);
  Duration retry_max = seconds(60);
};

struct UpstreamOptions {
  std::vector<MqttOutputOptions> mqtt;
  std::vector<InfluxOutputOptions> influx;
};

class Output;

class UpstreamPublisher : public publishers::Publisher {
 public:
  /// Opens every queue; throws std::runtime_error (a config-time failure) when one cannot be.
  UpstreamPublisher(publishers::PublisherContext& ctx, UpstreamOptions options);
  ~UpstreamPublisher() override;
  std::string_view kind() const override { return "upstream"; }
  std::string describe() const override;
  void start() override;
  void stop() override;

 private:
  publishers::PublisherContext ctx_;
  std::vector<std::unique_ptr<Output>> outputs_;
};

}  // namespace gxlink::publishers::upstream
