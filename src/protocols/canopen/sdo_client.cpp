// SPDX-License-Identifier: MIT
#include "protocols/canopen/sdo_client.hpp"

#include <algorithm>

namespace gxlink::canopen {

SdoClient::SdoClient(SdoClientOptions options) : options_(options) {}

Result<void> SdoClient::upload(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                               std::uint64_t tag, TimePoint now) {
  SdoRequest r;
  r.node = node;
  r.index = index;
  r.sub = sub;
  r.direction = SdoDirection::kUpload;
  r.tag = tag;
  return enqueue(std::move(r), now);
}

Result<void> SdoClient::download(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                 std::vector<std::uint8_t> data, std::uint64_t tag, TimePoint now) {
  if (data.empty() || data.size() > options_.max_upload_size)
    return fail(Errc::kOutOfRange,
                "SDO download needs 1.." + std::to_string(options_.max_upload_size) + " bytes");
  SdoRequest r;
  r.node = node;
  r.index = index;
  r.sub = sub;
  r.direction = SdoDirection::kDownload;
  r.data = std::move(data);
  r.tag = tag;
  return enqueue(std::move(r), now);
}

Result<void> SdoClient::enqueue(SdoRequest r, TimePoint now) {
  if (r.node == 0 || r.node > kMaxNodeId) return fail(Errc::kOutOfRange, "node id must be 1..127");
  Channel& ch = channels_[r.node];
  if (ch.queue.size() >= options_.max_queue) return fail(Errc::kBusy, "SDO queue full");
  const std::uint8_t node = r.node;
  ch.queue.push_back(std::move(r));
  if (!ch.active) start_next(node, ch, now);
  return {};
}

void SdoClient::start_next(std::uint8_t /*node*/, Channel& ch, TimePoint now) {
  if (ch.active || ch.queue.empty()) return;
  Active a;
  a.request = std::move(ch.queue.front());
  ch.queue.pop_front();
  ch.active = std::move(a);
  send_initiate(ch, now);
}

void SdoClient::send_initiate(Channel& ch, TimePoint now) {
  Active& a = *ch.active;
  a.phase = Phase::kInitiate;
  a.toggle = false;
  a.buffer.clear();
  a.expected_size.reset();
  a.sent = 0;
  a.last_sent = false;
  ++a.attempts;
  a.deadline = now + options_.timeout;
  const SdoRequest& r = a.request;
  if (r.direction == SdoDirection::kUpload) {
    send(sdo_upload_request(r.node, r.index, r.sub));
  } else if (r.data.size() <= 4) {
    send(sdo_download_expedited(r.node, r.index, r.sub, r.data));
  } else {
    send(sdo_download_initiate(r.node, r.index, r.sub, static_cast<std::uint32_t>(r.data.size())));
  }
}

void SdoClient::send_next_download_segment(Active& a, TimePoint now) {
  const auto& d = a.request.data;
  const std::size_t len = std::min<std::size_t>(7, d.size() - a.sent);
  const bool last = a.sent + len >= d.size();
  send(sdo_download_segment(a.request.node, a.toggle, ByteView(d).subspan(a.sent, len), last));
  a.sent += len;
  a.last_sent = last;
  a.deadline = now + options_.timeout;
}

void SdoClient::send(const CanFrame& f) {
  frames_.push_back(f);
  ++stats_.frames_sent;
}

void SdoClient::finish(std::uint8_t node, Channel& ch, Errc status, TimePoint now,
                       std::uint32_t abort_code, bool by_server, bool size_indicated) {
  Active& a = *ch.active;
  SdoOutcome o;
  o.status = status;
  o.data = std::move(a.buffer);
  o.size_indicated = size_indicated;
  o.abort_code = abort_code;
  o.aborted_by_server = by_server;
  o.attempts = a.attempts;
  o.finished = now;
  o.request = std::move(a.request);
  ch.last_done = std::make_pair(o.request.index, o.request.sub);
  if (status == Errc::kOk)
    ++stats_.completed;
  else
    ++stats_.failed;
  outcomes_.push_back(std::move(o));
  ch.active.reset();
  start_next(node, ch, now);
}

void SdoClient::fail_with_abort(std::uint8_t node, Channel& ch, Errc status, std::uint32_t code,
                                TimePoint now) {
  const SdoRequest& r = ch.active->request;
  send(sdo_abort(r.node, r.index, r.sub, code));
  ch.active->buffer.clear();
  finish(node, ch, status, now, code, false);
}

bool SdoClient::on_frame(const CanFrame& f, TimePoint now) {
  const Classified c = classify(f);
  if (c.kind != FrameKind::kSdoResponse && c.kind != FrameKind::kSdoRequest) return false;
  auto it = channels_.find(c.node);
  if (it == channels_.end()) return false;
  Channel& ch = it->second;
  if (c.kind == FrameKind::kSdoRequest) {
    // Our own requests never come back (CAN does not echo to the sender); this is another client.
    if (ch.active) ++stats_.foreign_requests;
    return true;
  }
  auto m = decode_sdo(f);
  if (!m) {
    ++stats_.bad_frames;
    return true;
  }
  ++stats_.responses;
  handle_response(c.node, ch, *m, now);
  return true;
}

void SdoClient::handle_response(std::uint8_t node, Channel& ch, const SdoMessage& m,
                                TimePoint now) {
  const auto same_as_last = [&] {
    return m.has_index && ch.last_done && ch.last_done->first == m.index &&
           ch.last_done->second == m.sub;
  };
  if (!ch.active || ch.active->phase == Phase::kRetryWait) {
    // A late answer after our timeout, or a second server with the same node id answering too.
    if (same_as_last())
      ++stats_.duplicates;
    else
      ++stats_.unexpected;
    return;
  }
  Active& a = *ch.active;
  const SdoRequest& r = a.request;
  if (m.has_index && (m.index != r.index || m.sub != r.sub)) {
    // python canopen's check: "maybe there is another SDO client or server on the channel?"
    if (same_as_last())
      ++stats_.duplicates;
    else
      ++stats_.mismatched;
    return;
  }
  if (m.command == SdoCommand::kAbort) {
    ++stats_.server_aborts;
    a.buffer.clear();
    finish(node, ch, Errc::kAborted, now, m.abort_code, true);
    return;
  }
  const bool upload = r.direction == SdoDirection::kUpload;
  if (a.phase == Phase::kInitiate) {
    if (upload && m.command == SdoCommand::kInitiateUploadResponse) {
      if (m.expedited) {
        a.buffer.assign(m.data.view().begin(), m.data.view().end());
        finish(node, ch, Errc::kOk, now, 0, false, m.size_indicated);
        return;
      }
      if (m.size_indicated) {
        if (m.size > options_.max_upload_size) {
          fail_with_abort(node, ch, Errc::kOutOfRange, kAbortOutOfMemory, now);
          return;
        }
        a.expected_size = m.size;
      }
      a.phase = Phase::kSegment;
      a.toggle = false;
      send(sdo_upload_segment_request(r.node, a.toggle));
      a.deadline = now + options_.timeout;
      return;
    }
    if (!upload && m.command == SdoCommand::kInitiateDownloadResponse) {
      if (r.data.size() <= 4) {
        finish(node, ch, Errc::kOk, now);
        return;
      }
      a.phase = Phase::kSegment;
      a.toggle = false;
      send_next_download_segment(a, now);
      return;
    }
    ++stats_.protocol_errors;
    fail_with_abort(node, ch, Errc::kBadFormat, kAbortUnknownCommand, now);
    return;
  }
  // Segment phase. A second initiate answer for this transfer comes from a second server with
  // the same node id (or a late repeat): count it, keep going.
  if (m.command == SdoCommand::kInitiateUploadResponse ||
      m.command == SdoCommand::kInitiateDownloadResponse) {
    ++stats_.duplicates;
    return;
  }
  if (upload && m.command == SdoCommand::kUploadSegmentResponse) {
    if (m.toggle != a.toggle) {
      ++stats_.toggle_errors;
      fail_with_abort(node, ch, Errc::kSequence, kAbortToggle, now);
      return;
    }
    const ByteView d = m.data.view();
    if (a.buffer.size() + d.size() > options_.max_upload_size ||
        (a.expected_size && a.buffer.size() + d.size() > *a.expected_size)) {
      fail_with_abort(node, ch, a.expected_size ? Errc::kBadLength : Errc::kOutOfRange,
                      a.expected_size ? kAbortLengthMismatch : kAbortOutOfMemory, now);
      return;
    }
    a.buffer.insert(a.buffer.end(), d.begin(), d.end());
    if (m.last) {
      if (a.expected_size && a.buffer.size() != *a.expected_size) {
        fail_with_abort(node, ch, Errc::kBadLength, kAbortLengthMismatch, now);
        return;
      }
      finish(node, ch, Errc::kOk, now);
      return;
    }
    a.toggle = !a.toggle;
    send(sdo_upload_segment_request(r.node, a.toggle));
    a.deadline = now + options_.timeout;
    return;
  }
  if (!upload && m.command == SdoCommand::kDownloadSegmentResponse) {
    if (m.toggle != a.toggle) {
      ++stats_.toggle_errors;
      fail_with_abort(node, ch, Errc::kSequence, kAbortToggle, now);
      return;
    }
    if (a.last_sent) {
      finish(node, ch, Errc::kOk, now);
      return;
    }
    a.toggle = !a.toggle;
    send_next_download_segment(a, now);
    return;
  }
  ++stats_.protocol_errors;
  fail_with_abort(node, ch, Errc::kBadFormat, kAbortUnknownCommand, now);
}

void SdoClient::on_tick(TimePoint now) {
  for (auto& [node, ch] : channels_) {
    if (!ch.active || now < ch.active->deadline) continue;
    Active& a = *ch.active;
    if (a.phase == Phase::kRetryWait) {
      send_initiate(ch, now);
      continue;
    }
    ++stats_.timeouts;
    if (a.attempts <= options_.max_retries) {
      // A server half-way through a segmented transfer must forget it before we start again.
      if (a.phase == Phase::kSegment)
        send(sdo_abort(a.request.node, a.request.index, a.request.sub, kAbortTimeout));
      ++stats_.retries;
      a.phase = Phase::kRetryWait;
      a.deadline = now + options_.retry_delay;
      continue;
    }
    fail_with_abort(node, ch, Errc::kTimeout, kAbortTimeout, now);
  }
}

std::optional<TimePoint> SdoClient::next_deadline() const {
  std::optional<TimePoint> t;
  for (const auto& [node, ch] : channels_)
    if (ch.active && (!t || ch.active->deadline < *t)) t = ch.active->deadline;
  return t;
}

std::vector<CanFrame> SdoClient::take_frames() { return std::exchange(frames_, {}); }
std::vector<SdoOutcome> SdoClient::take_outcomes() { return std::exchange(outcomes_, {}); }

bool SdoClient::busy(std::uint8_t node) const {
  auto it = channels_.find(node);
  return it != channels_.end() && it->second.active.has_value();
}

std::size_t SdoClient::queued(std::uint8_t node) const {
  auto it = channels_.find(node);
  return it == channels_.end() ? 0 : it->second.queue.size();
}

void SdoClient::cancel(std::uint8_t node) {
  auto it = channels_.find(node);
  if (it == channels_.end()) return;
  Channel& ch = it->second;
  if (ch.active && ch.active->phase == Phase::kSegment)
    send(sdo_abort(node, ch.active->request.index, ch.active->request.sub, kAbortGeneral));
  ch.active.reset();
  ch.queue.clear();
}

}  // namespace gxlink::canopen
