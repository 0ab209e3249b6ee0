// SPDX-License-Identifier: MIT
// VE.Direct entries: `gxlink decode vedirect`, `gxlink snapshot vedirect:FILE`, the `[[vedirect]]`
// driver and the demo's SmartSolar MPPT + SmartShunt over ptys (DESIGN.md contracts).
#include <array>
#include <cstring>
#include <filesystem>
#include <istream>
#include <iterator>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json_writer.hpp"
#include "core/line_reader.hpp"
#include "core/text.hpp"
#include "drivers/vedirect/vedirect_driver.hpp"
#include "model/model_json.hpp"
#include "protocols/vedirect/framer.hpp"
#include "protocols/vedirect/tables.hpp"
#include "registry/demo.hpp"
#include "registry/registry.hpp"
#include "sim/vedirect/pty_device.hpp"

namespace gxlink::registry {
namespace {

using namespace gxlink::vedirect;

/// One HEX frame as a JSON line (DESIGN.md: `{"kind":"hex",…}`), through the shared writer.
void write_hex(JsonLineWriter& w, const HexMessage& m, std::string_view raw) {
  char buf[8];
  auto hex4 = [&buf](unsigned v) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 4; ++i) buf[2 + i] = kHex[(v >> (12 - 4 * i)) & 15];
    return std::string_view(buf, 6);
  };
  w.begin_object();
  w.key("kind");
  w.string("hex");
  w.key("command");
  w.string(command_name(m.command, true));
  w.key("code");
  w.integer(m.command);
  if (auto reg = parse_register(m)) {
    w.key("register");
    w.string(hex4(reg->id));
    const RegisterDesc* d = find_register(reg->id);
    if (d) {
      w.key("name");
      w.string(d->name);
    }
    w.key("flags");
    w.integer(reg->flags);
    w.key("value");
    w.hex(reg->value.view());
    if (d && reg->flags == 0) {
      if (auto v = decode_register_value(*d, reg->value.view()); v && v->available) {
        if (d->type == RegType::kString) {
          w.key("decoded");
          w.string(device_text(v->text));
        } else if (d->type != RegType::kRecord) {
          w.key("decoded");
          w.real(v->value);
        }
        if (!d->unit.empty() && d->type != RegType::kString) {
          w.key("unit");
          w.string(d->unit);
        }
      }
    }
  } else if (auto word = parse_word(m)) {
    w.key("word");
    w.string(hex4(*word));
  } else {
    w.key("payload");
    w.hex(m.payload.view());
  }
  w.key("raw");
  w.string(raw);
  w.end_object();
}

/// `{"kind":"text","fields":{"V":"12800",…}}` and its newline for a TEXT block that needs no
/// escaping, which is every real one: the framer lets only printable ASCII other than ':' into
/// labels and values (framer.hpp), so one vectorisable pass over the block's bytes, which also
/// copies them into a padded buffer, rules out '"', '\\' and anything else the writer would
/// escape. Each label and value then moves in fixed 16-byte steps instead of a checked byte loop:
/// the byte loops were half of decode's time (bench/README.md, "Decode end to end"). Returns
/// false, having written nothing, for any other block: the caller uses the writer's member().
bool append_plain_text_line(const TextBlock& b, JsonBuffer& out) {
  constexpr std::string_view kHead = R"({"kind":"text","fields":{)";
  constexpr std::size_t kStep = 16;
  if (b.size() == 0) return false;
  // The fields are views into the framer's block buffer, in order (framer.hpp).
  const char* const first = b[0].label.data();
  const TextField& last = b[b.size() - 1];
  const char* const end = last.value.data() + last.value.size();
  if (end < first || static_cast<std::size_t>(end - first) > kMaxBlockBytes) return false;
  const auto span = static_cast<std::size_t>(end - first);
  std::array<char, kMaxBlockBytes + kStep> copy;
  // Bitwise operators on bytes, not && and ||, so that the compiler vectorises the loop.
  std::uint8_t special = 0;
  for (std::size_t k = 0; k < span; ++k) {
    const auto c = static_cast<unsigned char>(first[k]);
    // TAB, CR and LF only ever separate fields here; inside one the framer rejects the block.
    special |= static_cast<std::uint8_t>((c < 0x20) & (c != '\t') & (c != '\r') & (c != '\n'));
    special |= static_cast<std::uint8_t>((c == '"') | (c == '\\') | (c >= 0x7F));
    copy[k] = static_cast<char>(c);
  }
  if (special != 0) return false;
  std::memset(copy.data() + span, 0, kStep);
  auto move = [&copy, first](char* p, std::string_view s) {
    const char* src = copy.data() + (s.data() - first);
    for (std::size_t k = 0; k < s.size(); k += kStep) std::memcpy(p + k, src + k, kStep);
    return p + s.size();
  };
  char* const start = out.room(kHead.size() + span + 6 * b.size() + 3 + kStep);
  char* p = start;
  std::memcpy(p, kHead.data(), kHead.size());
  p += kHead.size();
  for (const TextField& f : b) {
    if (f.label.data() < first || f.value.data() + f.value.size() > end) return false;
    if (&f != b.begin()) *p++ = ',';
    *p++ = '"';
    p = move(p, f.label);
    std::memcpy(p, "\":\"", 3);
    p = move(p + 3, f.value);
    *p++ = '"';
  }
  std::memcpy(p, "}}\n", 3);
  out.commit(p + 3);
  return true;
}

DecodeStats decode_vedirect(std::istream& in, std::ostream& out, std::ostream& err) {
  DecodeStats st;
  Framer framer;
  std::array<char, std::size_t{64} * 1024> buf{};
  // The JSON lines of one input chunk, written out with one call when the chunk is done (and
  // before an error line, to keep the order): per-line ostream writes cost as much as the
  // framer. The chunk is what one read() returned, so on a live pipe every message is still
  // printed as soon as its bytes have arrived (issue 11). No allocation once grown.
  JsonBuffer lines;
  JsonLineWriter w(lines);
  std::string err_line;
  auto flush_lines = [&] {
    out.write(lines.data(), static_cast<std::streamsize>(lines.size()));
    lines.clear();
  };
  std::size_t offset = 0;  // bytes of input before the current chunk, for error positions
  while (const std::size_t n = read_available(in, buf.data(), buf.size())) {
    const ByteView chunk(reinterpret_cast<const std::uint8_t*>(buf.data()), n);
    std::size_t off = 0;
    while (off < n) {
      const auto r = framer.take(chunk.subspan(off));
      off += r.consumed;
      if (r.status == TakeStatus::kFrame) {
        ++st.messages;
        if (r.kind == FrameKind::kText && append_plain_text_line(*r.text, lines)) continue;
        w.reset();
        if (r.kind == FrameKind::kText) {
          w.begin_object();
          w.key("kind");
          w.string("text");
          w.key("fields");
          w.begin_object();
          for (const auto& f : *r.text) w.member(f.label, f.value);
          w.end_object();
          w.end_object();
        } else {
          write_hex(w, *r.hex, r.hex_text);
        }
        lines += '\n';
      } else if (r.status == TakeStatus::kBad) {
        ++st.errors;
        flush_lines();
        // One write: std::cerr is unbuffered, and each << was a system call of its own.
        err_line.clear();
        fmt::format_to(std::back_inserter(err_line), "vedirect: byte {}: {} rejected: {}\n",
                       offset + off, r.hex_error ? "HEX frame" : "TEXT block", r.error.message());
        err.write(err_line.data(), static_cast<std::streamsize>(err_line.size()));
      } else {
        break;
      }
    }
    flush_lines();
    offset += n;
  }
  return st;
}

DecodeStats snapshot_vedirect(std::istream& in, const std::string& source,
                              drivers::DriverContext& ctx, std::ostream& err) {
  drivers::vedirect::VeDirectOptions o;
  o.connection = std::filesystem::path(source).stem().string();
  o.hex = false;
  drivers::vedirect::VeDirectDriver driver(ctx, o);
  // Captures carry no timestamps: every byte arrives "now", so no silence timeout fires.
  const TimePoint now = Clock::now();
  std::array<char, std::size_t{64} * 1024> buf{};
  while (const std::size_t n = read_available(in, buf.data(), buf.size())) {
    driver.on_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(buf.data()), n), now);
  }
  const auto& s = driver.stats();
  DecodeStats st;
  st.messages = s.blocks + s.hex_frames;
  st.errors = s.bad_blocks + s.bad_hex + s.bad_values;
  if (st.errors)
    err << source << ": " << s.bad_blocks << " bad TEXT blocks, " << s.bad_hex
        << " bad HEX frames, " << s.bad_values << " bad values\n";
  if (!driver.service()) err << source << ": no VE.Direct device identified\n";
  return st;
}

std::unique_ptr<drivers::Driver> make_vedirect(const toml::table& cfg,
                                               drivers::DriverContext& ctx) {
  drivers::vedirect::VeDirectOptions o;
  auto port = cfg["port"].value<std::string>();
  if (!port || port->empty())
    throw std::runtime_error("[[vedirect]] needs port = \"/dev/ttyUSB0\"");
  o.port = *port;
  o.connection = cfg["name"].value_or(std::string());
  const double timeout = cfg["timeout_s"].value_or(5.0);
  if (!(timeout >= 1.0 && timeout <= 600.0))
    throw std::runtime_error("[[vedirect]] timeout_s must be 1..600");
  o.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout));
  o.hex = cfg["hex"].value_or(true);
  return std::make_unique<drivers::vedirect::VeDirectDriver>(ctx, o);
}

// Every key make_vedirect reads.
SectionSchema vedirect_schema() {
  return {
      .name = "vedirect",
      .form = SectionForm::kEither,
      .description = "one table per VE.Direct port (19200 8N1)",
      .keys = {
          {.name = "port",
           .type = ValueType::kString,
           .description = "the VE.Direct cable's serial port (a /dev/serial/by-id link is stable)",
           .required = true,
           .check = check_not_empty,
           .device = DeviceRole::kSerialPort},
          {.name = "name",
           .type = ValueType::kString,
           .description = "service-name suffix; default: the port's file name"},
          {.name = "timeout_s",
           .type = ValueType::kFloat,
           .description = "no valid block for this long: /Connected = 0, values invalid",
           .min = 1.0,
           .max = 600.0},
          {.name = "hex",
           .type = ValueType::kBool,
           .description = "ask over VE.Direct HEX for what TEXT lacks (firmware >= 1.53)"},
      }};
}

void demo_vedirect(DemoContext& demo) {
  auto& io = demo.drivers_ctx.io;
  auto add = [&](std::unique_ptr<sim::vedirect::VeDirectSimDevice> dev, const char* tty) {
    auto pty = std::make_shared<sim::vedirect::PtyDevice>(io, std::move(dev), demo.run_dir / tty);
    pty->start();
    demo.simulators.push_back(pty);
    drivers::vedirect::VeDirectOptions o;
    o.port = (demo.run_dir / tty).string();
    demo.drivers.push_back(
        std::make_unique<drivers::vedirect::VeDirectDriver>(demo.drivers_ctx, o));
  };
  // The demo's 48 V house bank (issue 12 item 7): a 48 V MPPT that DVCC drives through its HEX
  // network registers, and a SmartShunt on the same bank.
  // Both start at mid-morning of the simulated day, so the sun is up when the demo opens.
  const sim::vedirect::SimClockOptions day{600, 0.4};
  auto mppt = std::make_unique<sim::vedirect::MpptSimulator>(day, sim::vedirect::mppt_150_35_48v());
  auto shunt = std::make_unique<sim::vedirect::SmartShuntSimulator>(day, 48);
  // Both on the demo's shared house bank, so the shunt measures what the chargers put in.
  mppt->attach_bank(demo.house_bank(), "vedirect-mppt");
  shunt->attach_bank(demo.house_bank());
  add(std::move(mppt), "ttyUSB0");
  add(std::move(shunt), "ttyUSB1");
}

}  // namespace

void register_vedirect(Registry& r) {
  r.decoders["vedirect"] = decode_vedirect;
  r.snapshots["vedirect"] = snapshot_vedirect;
  r.drivers["vedirect"] = {make_vedirect, vedirect_schema()};
  r.demos.emplace_back("vedirect", demo_vedirect);
}

}  // namespace gxlink::registry
