// SPDX-License-Identifier: MIT
#pragma once
/// SDO client (CiA 301 §7.2.4): expedited and segmented upload and download to any number of
/// nodes on one bus, one transfer in flight per node and a FIFO queue behind it (as Victron's own
/// client does, reference/canbms_canopen.md §5.1). Sans-I/O (STYLE.md rule 7/8): frames and time go
/// in through on_frame()/on_tick(); frames to send and finished transfers come out as values
/// through take_frames()/take_outcomes(); next_deadline() says when on_tick() is due.
///
/// Error handling:
///  - no answer within `timeout`: the transfer starts again from its initiate frame after
///    `retry_delay`, up to `max_retries` times; then it fails with kTimeout and the client sends
///    abort 0x05040000 so that the server drops any half-done segmented transfer;
///  - a server abort fails the transfer with kAborted and the server's code (no retry: the caller
///    decides, e.g. "object does not exist" is retried only rarely by the driver);
///  - a segment with the wrong toggle bit: abort 0x05030000, kSequence;
///  - a response that does not fit the transfer (wrong command): abort 0x05040001, kBadFormat;
///  - a response for another index/sub-index, or one with no transfer in flight, is ignored and
///    counted (another client on the channel, or two nodes with the same id answering twice).

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "core/can_frame.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "protocols/canopen/codec.hpp"

namespace gxlink::canopen {

struct SdoClientOptions {
  Duration timeout = milliseconds(300);  ///< per frame (python canopen: 0.3 s)
  int max_retries = 1;                   ///< whole-transfer restarts after a timeout
  Duration retry_delay = milliseconds(100);
  std::size_t max_queue = 64;          ///< per node; upload()/download() return kBusy beyond
  std::size_t max_upload_size = 4096;  ///< larger segmented uploads are aborted (out of memory)
};

enum class SdoDirection { kUpload, kDownload };

struct SdoRequest {
  std::uint8_t node = 0;
  std::uint16_t index = 0;
  std::uint8_t sub = 0;
  SdoDirection direction = SdoDirection::kUpload;
  std::vector<std::uint8_t> data;  ///< what to download
  std::uint64_t tag = 0;           ///< the caller's id for the outcome
};

struct SdoOutcome {
  SdoRequest request;
  Errc status =
      Errc::kOk;  ///< kOk, kAborted, kTimeout, kSequence, kBadFormat, kBadLength, kOutOfRange
  std::vector<std::uint8_t> data;  ///< uploaded bytes
  bool size_indicated = true;      ///< false for an expedited upload that did not say its size
  std::uint32_t abort_code = 0;    ///< the server's code (kAborted) or the one we sent
  bool aborted_by_server = false;
  int attempts = 0;
  TimePoint finished{};

  bool ok() const noexcept { return status == Errc::kOk; }
};

struct SdoClientStats {
  std::uint64_t frames_sent = 0;
  std::uint64_t responses = 0;  ///< SDO frames from a server we handled
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t timeouts = 0;  ///< single timeouts (each may lead to a retry)
  std::uint64_t retries = 0;
  std::uint64_t server_aborts = 0;
  std::uint64_t toggle_errors = 0;
  std::uint64_t protocol_errors = 0;   ///< unexpected command in a transfer
  std::uint64_t bad_frames = 0;        ///< SDO responses that are not 8 bytes
  std::uint64_t unexpected = 0;        ///< responses with no transfer in flight
  std::uint64_t mismatched = 0;        ///< responses for another index/sub-index
  std::uint64_t duplicates = 0;        ///< a second answer to a request already answered
  std::uint64_t foreign_requests = 0;  ///< requests by another client to a node we are talking to
};

class SdoClient {
 public:
  explicit SdoClient(SdoClientOptions options = {});

  /// Queues an upload (read) of node:index:sub. Starts at once if the node is idle (frames appear
  /// in take_frames()). kOutOfRange for node 0 or > 127; kBusy when the node's queue is full.
  Result<void> upload(std::uint8_t node, std::uint16_t index, std::uint8_t sub, std::uint64_t tag,
                      TimePoint now);
  /// Queues a download (write) of 1..max_upload_size bytes: expedited up to 4, else segmented.
  Result<void> download(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                        std::vector<std::uint8_t> data, std::uint64_t tag, TimePoint now);

  /// Feeds a received frame. Returns true when it was an SDO frame of a node this client talks to.
  bool on_frame(const CanFrame& f, TimePoint now);
  /// Handles timeouts and retry delays that are due at `now`.
  void on_tick(TimePoint now);
  /// The earliest time on_tick() has something to do; nullopt when idle.
  std::optional<TimePoint> next_deadline() const;

  /// Frames to send, in order (moves them out).
  std::vector<CanFrame> take_frames();
  /// Finished transfers, in order (moves them out).
  std::vector<SdoOutcome> take_outcomes();

  /// A transfer in flight or waiting for a retry.
  bool busy(std::uint8_t node) const;
  /// Transfers waiting behind the one in flight.
  std::size_t queued(std::uint8_t node) const;
  /// Drops the queue and the transfer in flight of `node` without outcomes (a node that was
  /// declared gone). An in-flight segmented transfer is aborted on the wire.
  void cancel(std::uint8_t node);

  const SdoClientStats& stats() const noexcept { return stats_; }
  const SdoClientOptions& options() const noexcept { return options_; }

 private:
  enum class Phase { kInitiate, kSegment, kRetryWait };
  struct Active {
    SdoRequest request;
    Phase phase = Phase::kInitiate;
    bool toggle = false;
    std::vector<std::uint8_t> buffer;
    std::optional<std::uint32_t> expected_size;
    std::size_t sent = 0;  ///< download: bytes sent in segments so far
    bool last_sent = false;
    int attempts = 0;
    TimePoint deadline{};
  };
  struct Channel {
    std::deque<SdoRequest> queue;
    std::optional<Active> active;
    std::optional<std::pair<std::uint16_t, std::uint8_t>> last_done;
  };

  Result<void> enqueue(SdoRequest r, TimePoint now);
  void start_next(std::uint8_t node, Channel& ch, TimePoint now);
  void send_initiate(Channel& ch, TimePoint now);
  void send_next_download_segment(Active& a, TimePoint now);
  void send(const CanFrame& f);
  void finish(std::uint8_t node, Channel& ch, Errc status, TimePoint now,
              std::uint32_t abort_code = 0, bool by_server = false, bool size_indicated = true);
  void fail_with_abort(std::uint8_t node, Channel& ch, Errc status, std::uint32_t code,
                       TimePoint now);
  void handle_response(std::uint8_t node, Channel& ch, const SdoMessage& m, TimePoint now);

  SdoClientOptions options_;
  std::map<std::uint8_t, Channel> channels_;
  std::vector<CanFrame> frames_;
  std::vector<SdoOutcome> outcomes_;
  SdoClientStats stats_;
};

}  // namespace gxlink::canopen
