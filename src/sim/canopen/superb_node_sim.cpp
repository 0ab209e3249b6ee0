// SPDX-License-Identifier: MIT
#include "sim/canopen/superb_node_sim.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::sim::canopen {
namespace co = gxlink::canopen;

namespace {

template <class T>
std::vector<std::uint8_t> le(T v) {
  std::vector<std::uint8_t> out(sizeof(T));
  auto u = static_cast<std::uint64_t>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<std::uint8_t>(u >> (8 * i));
  return out;
}

std::vector<std::uint8_t> text(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

SuperbNodeSim::SuperbNodeSim(transport::CanTransport& bus, SuperbNodeOptions options, TimePoint now)
    : bus_(bus), options_(options), last_tick_(now), next_heartbeat_(now) {
  // CANopenNode-style version string; old units report 1.0.x (seed 004: fw 1.0 vs 1.2+).
  software_version_ = options_.old_firmware ? "1.0.4" : "1.6.0";
  build_dictionary();
  bus_.set_receiver([this](const CanFrame& f, TimePoint t) { on_frame(f, t); });
}

SuperbNodeSim::~SuperbNodeSim() { bus_.set_receiver({}); }

double SuperbNodeSim::voltage() const {
  // A 4S LiFePO4 pack: flat curve around 13.2 V plus an IR term (12 V unit, seed 004 / §5.5).
  const double soc = std::clamp(options_.soc, 0.0, 100.0);
  return 12.9 + 0.006 * soc + 0.004 * options_.current_a;
}

void SuperbNodeSim::build_dictionary() {
  auto ro = [this](std::uint16_t i, std::uint8_t s, std::function<std::vector<std::uint8_t>()> f) {
    od_[key(i, s)] = Entry{std::move(f), false, {}};
  };
  ro(0x1000, 0, [] { return le<std::uint32_t>(0x00000000); });  // device type: no profile claimed
  ro(0x1001, 0, [] { return le<std::uint8_t>(0); });
  ro(0x1008, 0, [this] { return text(device_name_); });
  ro(0x100A, 0, [this] { return text(software_version_); });
  od_[key(0x1017, 0)] =
      Entry{[this] {
              return le<std::uint16_t>(static_cast<std::uint16_t>(
                  std::chrono::duration_cast<milliseconds>(options_.heartbeat).count()));
            },
            true,
            [this](const std::vector<std::uint8_t>& d) {
              if (d.size() != 2) return false;
              options_.heartbeat = milliseconds(load_le16(d));
              return true;
            }};
  ro(0x1018, 0, [] { return le<std::uint8_t>(4); });
  ro(0x1018, 1, [] { return le<std::uint32_t>(0x0000037C); });  // SuperB vendor id (§5.5)
  ro(0x1018, 2, [] { return le<std::uint32_t>(0x0000000A); });
  ro(0x1018, 3,
     [this] { return le<std::uint32_t>(options_.old_firmware ? 0x00010004 : 0x00010600); });
  ro(0x1018, 4, [this] { return le<std::uint32_t>(options_.serial); });
  ro(0x6010, 0, [this] {
    return le<std::int16_t>(static_cast<std::int16_t>(std::lround(options_.temperature_c * 8)));
  });
  ro(0x6050, 0, [this] { return le<std::uint16_t>(options_.cycles); });
  ro(0x6053, 0,
     [this] { return le<std::int32_t>(static_cast<std::int32_t>(std::lround(ah_since_eq_ * 8))); });
  ro(0x6060, 0, [this] {
    return le<std::uint32_t>(static_cast<std::uint32_t>(std::lround(voltage() * 1024)));
  });
  ro(0x6081, 0, [this] {
    return le<std::uint8_t>(
        static_cast<std::uint8_t>(std::lround(std::clamp(options_.soc, 0.0, 100.0))));
  });
  ro(0x2010, 0, [this] {
    return le<std::int32_t>(static_cast<std::int32_t>(std::lround(options_.current_a * 1000)));
  });
  if (!options_.old_firmware) {
    ro(0x6051, 0, [this] {
      return le<std::int16_t>(static_cast<std::int16_t>(std::lround(ah_expended_ * 8)));
    });
    ro(0x6052, 0, [this] {
      return le<std::int16_t>(static_cast<std::int16_t>(std::lround(ah_returned_ * 8)));
    });
  }
  // 0x2FFD:01 switch command is write-only on the real unit (§5.5 DATASHEET): reading it aborts.
  od_[key(0x2FFD, 1)] =
      Entry{{}, true, [](const std::vector<std::uint8_t>& d) { return d.size() == 1; }};
}

std::optional<TimePoint> SuperbNodeSim::next_deadline() const {
  if (silent_ || options_.heartbeat <= Duration::zero()) return std::nullopt;
  return next_heartbeat_;
}

void SuperbNodeSim::on_tick(TimePoint now) {
  const double dt = to_seconds(now - last_tick_);
  last_tick_ = now;
  if (dt > 0) {
    const double ah = options_.current_a * dt / 3600.0;
    options_.soc = std::clamp(options_.soc + 100.0 * ah / options_.capacity_ah, 0.0, 100.0);
    if (ah < 0)
      ah_expended_ += -ah;
    else
      ah_returned_ += ah;
    ah_since_eq_ += std::abs(ah);
    if (options_.cycle_current) {
      if (options_.soc >= 95.0 && options_.current_a > 0) options_.current_a = -options_.current_a;
      if (options_.soc <= 20.0 && options_.current_a < 0) options_.current_a = -options_.current_a;
    }
  }
  if (silent_) return;
  if (boot_pending_) {
    boot_pending_ = false;
    send(co::encode_heartbeat(options_.node_id, co::NmtState::kBootUp));
    next_heartbeat_ = now + options_.heartbeat;
  }
  if (options_.heartbeat > Duration::zero() && now >= next_heartbeat_) {
    send(co::encode_heartbeat(options_.node_id, state_));
    ++stats_.heartbeats;
    next_heartbeat_ += options_.heartbeat;
    if (next_heartbeat_ <= now) next_heartbeat_ = now + options_.heartbeat;
  }
}

void SuperbNodeSim::reboot(TimePoint now) {
  upload_.reset();
  download_.reset();
  state_ = co::NmtState::kPreOperational;
  boot_pending_ = true;
  silent_ = false;
  on_tick(now);
}

void SuperbNodeSim::send_emcy(std::uint16_t code, std::uint8_t error_register) {
  co::Emcy e;
  e.node = options_.node_id;
  e.error_code = code;
  e.error_register = error_register;
  send(co::encode_emcy(e));
}

void SuperbNodeSim::send(const CanFrame& f) { bus_.send(f); }

void SuperbNodeSim::abort(std::uint16_t index, std::uint8_t sub, std::uint32_t code) {
  ++stats_.aborts_sent;
  upload_.reset();
  download_.reset();
  send(co::sdo_abort(options_.node_id, index, sub, code, true));
}

std::optional<std::uint32_t> SuperbNodeSim::lookup(std::uint16_t index, std::uint8_t sub) const {
  if (od_.count(key(index, sub))) return std::nullopt;
  // Distinguish "no such object" from "no such sub-index" as CANopenNode does.
  auto it = od_.lower_bound(key(index, 0));
  if (it != od_.end() && (it->first >> 8) == index) return co::kAbortNoSubIndex;
  return co::kAbortNoObject;
}

void SuperbNodeSim::on_frame(const CanFrame& f, TimePoint now) {
  if (silent_) return;
  if (auto nmt = co::decode_nmt(f)) {
    if (nmt->node != 0 && nmt->node != options_.node_id) return;
    switch (nmt->command) {
      case co::NmtCommand::kStart: state_ = co::NmtState::kOperational; break;
      case co::NmtCommand::kStop: state_ = co::NmtState::kStopped; break;
      case co::NmtCommand::kEnterPreOperational: state_ = co::NmtState::kPreOperational; break;
      case co::NmtCommand::kResetNode:
      case co::NmtCommand::kResetCommunication: reboot(now); break;
    }
    return;
  }
  const co::Classified c = co::classify(f);
  if (c.kind != co::FrameKind::kSdoRequest || c.node != options_.node_id) return;
  // SDO is not available in the stopped state (CiA 301 §7.3.2.2.4.2).
  if (state_ == co::NmtState::kStopped) return;
  ++stats_.requests;
  if (drop_ > 0) {
    --drop_;
    return;
  }
  auto m = co::decode_sdo(f);
  if (!m) return;  // CANopenNode ignores SDO frames with a wrong DLC
  handle_sdo(*m);
}

void SuperbNodeSim::handle_sdo(const co::SdoMessage& m) {
  const std::uint8_t node = options_.node_id;
  switch (m.command) {
    case co::SdoCommand::kInitiateUploadRequest: {
      upload_.reset();
      download_.reset();
      if (auto missing = lookup(m.index, m.sub)) return abort(m.index, m.sub, *missing);
      const Entry& e = od_.at(key(m.index, m.sub));
      if (!e.read) return abort(m.index, m.sub, 0x06010001);  // write-only
      auto data = e.read();
      if (data.size() <= 4) {
        send(co::sdo_upload_response_expedited(node, m.index, m.sub, data));
        return;
      }
      send(co::sdo_upload_response_segmented(node, m.index, m.sub,
                                             static_cast<std::uint32_t>(data.size())));
      upload_ = Upload{m.index, m.sub, std::move(data), 0, false};
      return;
    }
    case co::SdoCommand::kUploadSegmentRequest: {
      if (!upload_) return abort(0, 0, co::kAbortUnknownCommand);
      if (m.toggle != upload_->toggle) return abort(upload_->index, upload_->sub, co::kAbortToggle);
      const std::size_t len = std::min<std::size_t>(7, upload_->data.size() - upload_->offset);
      const bool last = upload_->offset + len >= upload_->data.size();
      bool toggle = upload_->toggle;
      if (corrupt_toggle_) {
        corrupt_toggle_ = false;
        toggle = !toggle;
      }
      send(co::sdo_upload_segment_response(
          node, toggle, ByteView(upload_->data).subspan(upload_->offset, len), last));
      upload_->offset += len;
      upload_->toggle = !upload_->toggle;
      if (last) upload_.reset();
      return;
    }
    case co::SdoCommand::kInitiateDownloadRequest: {
      upload_.reset();
      download_.reset();
      if (auto missing = lookup(m.index, m.sub)) return abort(m.index, m.sub, *missing);
      Entry& e = od_.at(key(m.index, m.sub));
      if (!e.writable) return abort(m.index, m.sub, 0x06010002);  // read-only
      if (m.expedited) {
        std::vector<std::uint8_t> d(m.data.view().begin(), m.data.view().end());
        if (!e.write(d)) return abort(m.index, m.sub, co::kAbortLengthMismatch);
        send(co::sdo_download_response(node, m.index, m.sub));
        return;
      }
      if (m.size_indicated && m.size > 64) return abort(m.index, m.sub, co::kAbortOutOfMemory);
      download_ = Download{m.index, m.sub, {}, m.size, false};
      send(co::sdo_download_response(node, m.index, m.sub));
      return;
    }
    case co::SdoCommand::kDownloadSegmentRequest: {
      if (!download_) return abort(0, 0, co::kAbortUnknownCommand);
      if (m.toggle != download_->toggle)
        return abort(download_->index, download_->sub, co::kAbortToggle);
      download_->data.insert(download_->data.end(), m.data.view().begin(), m.data.view().end());
      if (download_->data.size() > 64)
        return abort(download_->index, download_->sub, co::kAbortOutOfMemory);
      send(co::sdo_download_segment_response(node, m.toggle));
      download_->toggle = !download_->toggle;
      if (m.last) {
        Entry& e = od_.at(key(download_->index, download_->sub));
        const bool ok = e.write(download_->data);
        const auto idx = download_->index;
        const auto sub = download_->sub;
        download_.reset();
        // The segment was acknowledged already; a refused value is reported by an abort after it.
        if (!ok) abort(idx, sub, 0x06090030);
      }
      return;
    }
    case co::SdoCommand::kAbort:
      upload_.reset();
      download_.reset();
      return;
    default: return abort(m.has_index ? m.index : 0, m.sub, co::kAbortUnknownCommand);
  }
}

}  // namespace gxlink::sim::canopen
