// SPDX-License-Identifier: MIT
#include "doctor/recognizers.hpp"

#include <variant>

#include "protocols/canbms/codec.hpp"
#include "protocols/canopen/codec.hpp"
#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/name.hpp"
#include "protocols/nmea2000/pgn_table.hpp"
#include "protocols/vebus/codec.hpp"
#include "protocols/vedirect/tables.hpp"
#include "transport/slcan_codec.hpp"

namespace gxlink::doctor {

// ---- VE.Direct ---------------------------------------------------------------------------------

void VeDirectRecognizer::push(ByteView bytes) noexcept {
  while (!bytes.empty()) {
    const auto r = framer_.take(bytes);
    bytes = bytes.subspan(r.consumed);
    if (r.status == vedirect::TakeStatus::kBad) {
      if (!r.hex_error) ++finding_.bad_blocks;
      continue;
    }
    if (r.status != vedirect::TakeStatus::kFrame) {
      if (r.consumed == 0) break;  // the framer keeps partial input itself; defensive
      continue;
    }
    if (r.kind == vedirect::FrameKind::kHex) {
      ++finding_.hex_frames;
      continue;
    }
    ++finding_.text_blocks;
    try {  // Dataset copies into std::string; running out of memory here is not worth a crash
      dataset_.merge(*r.text);
    } catch (...) {
      continue;
    }
    if (auto pid = dataset_.pid()) {
      finding_.pid = *pid;
      finding_.product = std::string(vedirect::product_name(*pid));
    }
    if (dataset_.is_bmv60x() && finding_.product.empty()) {
      if (const auto* bmv = dataset_.get("BMV")) finding_.product = "BMV-" + *bmv;
    }
    finding_.service_type = std::string(vedirect::service_type(dataset_.product_class()));
    if (const auto* ser = dataset_.get("SER#")) finding_.serial = *ser;
    if (const auto* fw = dataset_.get("FW")) {
      finding_.firmware = *fw;
    } else if (const auto* fwe = dataset_.get("FWE")) {
      finding_.firmware = *fwe;
    }
  }
}

// ---- MK2 ---------------------------------------------------------------------------------------

void Mk2Recognizer::push(ByteView bytes) noexcept {
  framer_.push(
      bytes,
      [this](const vebus::Mk2Frame& f) {
        auto reply = vebus::decode(f);
        if (!reply) return;
        if (const auto* v = std::get_if<vebus::VersionReply>(&*reply)) {
          ++finding_.version_frames;
          finding_.version = v->version;
          finding_.mode = v->mode;
        } else {
          ++finding_.other_frames;
        }
      },
      [](Errc) {});
}

// ---- slcan -------------------------------------------------------------------------------------

void SlcanRecognizer::push(ByteView bytes) noexcept {
  // Bounded: at most one record plus one read is buffered (take() drops over-long records).
  try {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  } catch (...) {
    buf_.clear();
    return;
  }
  std::size_t at = 0;
  while (at < buf_.size()) {
    const auto r = transport::slcan::take(ByteView(buf_.data() + at, buf_.size() - at));
    if (r.status == transport::slcan::TakeResult::Status::kNeedMore) {
      at += r.consumed;
      break;
    }
    at += r.consumed;
    if (r.status == transport::slcan::TakeResult::Status::kBad) continue;
    switch (r.record.kind) {
      case transport::slcan::RecordKind::kOk: ++finding_.oks; break;
      case transport::slcan::RecordKind::kError: ++finding_.errors; break;
      case transport::slcan::RecordKind::kFrame: ++finding_.frames; break;
      case transport::slcan::RecordKind::kCommand: {
        // The reply to `V` is `V<hhhh>` (`v<...>` for the detailed form): the codec files it with
        // the commands because its first letter is the command's. Only letters and digits may
        // follow, so that VE.Direct's `V<TAB>12810` label is not taken for one.
        const char c = r.record.command;
        if (c == 'V' || c == 'v') {
          const auto* rec = buf_.data() + (at - r.consumed);
          std::string text;
          bool ok = true;
          for (std::size_t i = 0; i < r.consumed; ++i) {
            const auto b = rec[i];
            if (b == '\n' && text.empty()) continue;  // CR LF from the previous record
            if (b == '\r') break;
            const bool alnum =
                (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
            if (!alnum || text.size() >= 16) {
              ok = false;
              break;
            }
            text += static_cast<char>(b);
          }
          if (ok && text.size() >= 3) finding_.version = text;
        }
        break;
      }
      default: break;
    }
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(at));
  if (buf_.size() > 4 * transport::slcan::kMaxRecord) buf_.clear();
}

// ---- CAN ---------------------------------------------------------------------------------------

void CanRecognizer::on_frame(const CanFrame& f, TimePoint now) noexcept {
  ++finding_.frames;
  if (f.rtr) {
    ++finding_.remote;
    return;
  }
  if (f.extended) {
    ++finding_.extended;
    on_n2k(f, now);
    return;
  }
  ++finding_.standard;
  on_bms(f);
  on_canopen(f);
}

void CanRecognizer::on_bms(const CanFrame& f) noexcept {
  auto msg = canbms::decode(f);
  if (!msg) return;
  auto& bms = finding_.bms;
  if (std::holds_alternative<canbms::Keepalive>(*msg) ||
      std::holds_alternative<canbms::InverterId>(*msg)) {
    ++bms.inverter_frames;
    return;
  }
  ++bms.frames;
  if (bms.ids.size() < kMaxListed) bms.ids.insert(f.id);
  if (std::holds_alternative<canbms::Limits>(*msg)) bms.limits = true;
  if (const auto* soc = std::get_if<canbms::Soc>(&*msg)) {
    if (soc->soc_pct) bms.soc = soc->soc_pct;
  } else if (const auto* dc = std::get_if<canbms::DcStatus>(&*msg)) {
    if (dc->voltage_v) bms.voltage = dc->voltage_v;
  } else if (const auto* text = std::get_if<canbms::TextMessage>(&*msg)) {
    const std::string t(text->text.view());
    if (text->id == canbms::kIdManufacturer) bms.manufacturer = t;
    if (text->id == canbms::kIdName1) name_370_ = t;
    if (text->id == canbms::kIdName2) name_371_ = t;
  }
  bms.name = std::string(canbms::battery_name(name_370_ + name_371_, bms.manufacturer));
}

void CanRecognizer::on_n2k(const CanFrame& f, TimePoint now) noexcept {
  n2k_.on_tick(now);
  const nmea2000::Message* m = n2k_.on_frame(f, now);
  if (m == nullptr) return;
  if (nmea2000::find_pgn(m->id.pgn, m->payload) == nullptr) return;  // not a PGN we know
  auto& n2k = finding_.nmea2000;
  ++n2k.messages;
  if (n2k.pgns.size() < kMaxListed) n2k.pgns.insert(m->id.pgn);
  auto node_it = n2k.nodes.find(m->id.src);
  if (node_it == n2k.nodes.end()) {
    if (n2k.nodes.size() >= kMaxListed) return;
    node_it = n2k.nodes.emplace(m->id.src, N2kNode{}).first;
  }
  N2kNode& node = node_it->second;
  ++node.messages;
  if (m->id.pgn == 60928 &&
      m->payload.size() >= 8) {  // ISO address claim: the NAME (nmea2000.md §3)
    ++n2k.address_claims;
    const auto name = nmea2000::IsoName::from_u64(load_le64(m->payload));
    node.manufacturer = name.manufacturer;
    node.manufacturer_name = std::string(nmea2000::kManufacturerLookup.find(name.manufacturer));
    node.device_function = name.function;
    node.device_class = name.device_class;
    node.device_instance = name.device_instance();
  } else if (m->id.pgn == 126996) {  // product information: the model id string
    nmea2000::Decoded d;
    try {
      if (nmea2000::decode(m->id.pgn, m->payload, d)) {
        if (const auto* model = d.find("modelId"); model && model->valid()) {
          // Device text goes to a terminal and into config comments: printable ASCII only.
          node.model.clear();
          for (char c : model->text.substr(0, 32)) node.model += (c >= 0x20 && c <= 0x7E) ? c : '?';
          while (!node.model.empty() && node.model.back() == ' ') node.model.pop_back();
        }
      }
    } catch (...) {  // the Decoded vector may allocate; a failed allocation costs only the name
    }
  }
}

void CanRecognizer::on_canopen(const CanFrame& f) noexcept {
  const auto c = canopen::classify(f);
  auto& co = finding_.canopen;
  if (c.kind == canopen::FrameKind::kSdoRequest || c.kind == canopen::FrameKind::kSdoResponse) {
    ++co.sdo_frames;
    return;
  }
  if (c.kind != canopen::FrameKind::kHeartbeat) return;
  auto hb = canopen::decode_heartbeat(f);
  if (!hb || hb->toggle) return;  // node guarding replies come only when a master asks
  ++co.heartbeats;
  if (co.nodes.size() < kMaxListed || co.nodes.count(hb->node))
    co.nodes[hb->node] = std::string(canopen::to_string(hb->state));
}

}  // namespace gxlink::doctor
