// SPDX-License-Identifier: MIT
#include "protocols/canopen/sdo_observer.hpp"

namespace gxlink::canopen {

bool SdoObserver::on_frame(const CanFrame& f, TimePoint now) {
  const Classified c = classify(f);
  if (c.kind != FrameKind::kSdoRequest && c.kind != FrameKind::kSdoResponse) return false;
  auto m = decode_sdo(f);
  if (!m) {
    ++stats_.bad_frames;
    return true;
  }
  if (m->from_server)
    on_response(*m, now);
  else
    on_request(*m, now);
  return true;
}

std::vector<ObservedTransfer> SdoObserver::take() { return std::exchange(done_, {}); }

void SdoObserver::emit(std::uint8_t node, Errc status, TimePoint now) {
  auto it = pending_.find(node);
  if (it == pending_.end()) return;
  ObservedTransfer t = std::move(it->second.t);
  pending_.erase(it);
  t.status = status;
  t.time = now;
  if (status != Errc::kOk && status != Errc::kAborted) t.data.clear();
  ++stats_.transfers;
  done_.push_back(std::move(t));
}

void SdoObserver::on_request(const SdoMessage& m, TimePoint now) {
  auto it = pending_.find(m.node);
  switch (m.command) {
    case SdoCommand::kInitiateUploadRequest:
    case SdoCommand::kInitiateDownloadRequest: {
      if (it != pending_.end()) {
        ++stats_.abandoned;
        pending_.erase(it);
      }
      Pending p;
      p.t.node = m.node;
      p.t.index = m.index;
      p.t.sub = m.sub;
      p.t.time = now;
      if (m.command == SdoCommand::kInitiateDownloadRequest) {
        p.t.direction = SdoDirection::kDownload;
        if (m.expedited) {
          p.t.data.assign(m.data.view().begin(), m.data.view().end());
          p.t.size_indicated = m.size_indicated;
        } else {
          p.segmented = true;
          if (m.size_indicated) p.expected = m.size;
        }
      }
      pending_[m.node] = std::move(p);
      return;
    }
    case SdoCommand::kUploadSegmentRequest:
      if (it != pending_.end()) it->second.toggle = m.toggle;
      return;
    case SdoCommand::kDownloadSegmentRequest:
      if (it == pending_.end()) return;
      it->second.toggle = m.toggle;
      it->second.last = m.last;
      if (it->second.t.data.size() + m.data.size > max_size_) {
        ++stats_.protocol_errors;
        emit(m.node, Errc::kOutOfRange, now);
        return;
      }
      it->second.t.data.insert(it->second.t.data.end(), m.data.view().begin(), m.data.view().end());
      return;
    case SdoCommand::kAbort:
      if (it == pending_.end()) return;
      it->second.t.abort_code = m.abort_code;
      it->second.t.aborted_by_server = false;
      emit(m.node, Errc::kAborted, now);
      return;
    default: return;  // block transfers are not followed
  }
}

void SdoObserver::on_response(const SdoMessage& m, TimePoint now) {
  auto it = pending_.find(m.node);
  if (it == pending_.end()) {
    ++stats_.unmatched;
    return;
  }
  Pending& p = it->second;
  if (m.has_index && (m.index != p.t.index || m.sub != p.t.sub)) {
    ++stats_.unmatched;
    return;
  }
  const bool upload = p.t.direction == SdoDirection::kUpload;
  switch (m.command) {
    case SdoCommand::kAbort:
      p.t.abort_code = m.abort_code;
      p.t.aborted_by_server = true;
      emit(m.node, Errc::kAborted, now);
      return;
    case SdoCommand::kInitiateUploadResponse:
      if (!upload) break;
      if (m.expedited) {
        p.t.data.assign(m.data.view().begin(), m.data.view().end());
        p.t.size_indicated = m.size_indicated;
        emit(m.node, Errc::kOk, now);
      } else {
        p.segmented = true;
        p.toggle = false;  // the first segment request carries toggle 0
        if (m.size_indicated) p.expected = m.size;
      }
      return;
    case SdoCommand::kUploadSegmentResponse:
      if (!upload || !p.segmented) break;
      if (m.toggle != p.toggle) {
        ++stats_.toggle_errors;
        emit(m.node, Errc::kSequence, now);
        return;
      }
      if (p.t.data.size() + m.data.size > max_size_) {
        ++stats_.protocol_errors;
        emit(m.node, Errc::kOutOfRange, now);
        return;
      }
      p.t.data.insert(p.t.data.end(), m.data.view().begin(), m.data.view().end());
      if (m.last)
        emit(m.node, p.expected && *p.expected != p.t.data.size() ? Errc::kBadLength : Errc::kOk,
             now);
      return;
    case SdoCommand::kInitiateDownloadResponse:
      if (upload) break;
      if (!p.segmented) emit(m.node, Errc::kOk, now);
      return;
    case SdoCommand::kDownloadSegmentResponse:
      if (upload || !p.segmented) break;
      if (m.toggle != p.toggle) {
        ++stats_.toggle_errors;
        emit(m.node, Errc::kSequence, now);
        return;
      }
      if (p.last)
        emit(m.node, p.expected && *p.expected != p.t.data.size() ? Errc::kBadLength : Errc::kOk,
             now);
      return;
    default: break;
  }
  ++stats_.protocol_errors;
  emit(m.node, Errc::kBadFormat, now);
}

}  // namespace gxlink::canopen
