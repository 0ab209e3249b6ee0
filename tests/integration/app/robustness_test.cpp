// SPDX-License-Identifier: MIT
// Issue 11's reproductions, run against the real binary: hostile but ordinary input must not
// crash, hang, leak or let a local user in.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::Process;

fs::path fresh_dir(const std::string& tag) {
  auto d = fs::temp_directory_path() / ("gxlink-robust-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The snapshot's JSON in a command's combined stdout+stderr (problems may be reported before it).
nlohmann::json snapshot_json(const std::string& out) {
  const auto begin = out.find("{\n");
  const auto end = out.rfind("\n}");
  if (begin == std::string::npos || end == std::string::npos) return nullptr;
  return nlohmann::json::parse(out.substr(begin, end + 2 - begin), nullptr, false);
}

/// Every line of `out` must be a JSON object (the decode contract), and there must be `min` of
/// them.
void expect_json_lines(const std::string& out, std::size_t min = 0) {
  std::istringstream in(out);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON object: " << line.substr(0, 200);
    ++n;
  }
  EXPECT_GE(n, min);
}

/// A child with pipes on stdin and stdout (stderr to /dev/null), for live decoding; wait4()
/// gives its peak memory.
class Piped {
 public:
  explicit Piped(std::vector<std::string> argv, bool pipe_stdin = true) {
    int in[2], out[2];
    EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (pipe_stdin) ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
  }
  ~Piped() {
    close_stdin();
    if (from_child_ >= 0) ::close(from_child_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void write(std::string_view s) {
    while (!s.empty()) {
      auto n = ::write(to_child_, s.data(), s.size());
      ASSERT_GT(n, 0);
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void close_stdin() {
    if (to_child_ >= 0) ::close(to_child_);
    to_child_ = -1;
  }
  /// Reads until a full line has arrived or `timeout` passes.
  std::string read_line(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (buf_.find('\n') == std::string::npos && std::chrono::steady_clock::now() < end) {
      pollfd p{from_child_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char b[4096];
      auto n = ::read(from_child_, b, sizeof b);
      if (n <= 0) break;
      buf_.append(b, static_cast<std::size_t>(n));
    }
    auto nl = buf_.find('\n');
    if (nl == std::string::npos) return {};
    std::string line = buf_.substr(0, nl);
    buf_.erase(0, nl + 1);
    return line;
  }
  /// Drains stdout to EOF, waits; returns (exit code, peak RSS in KiB).
  std::pair<int, long> finish() {
    close_stdin();
    char b[65536];
    while (::read(from_child_, b, sizeof b) > 0) {
    }
    int status = 0;
    rusage ru{};
    ::wait4(pid_, &status, 0, &ru);
    pid_ = -1;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ru.ru_maxrss};
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buf_;
};

// Defect 1: a CANopen string object with 0xFF (0x100A firmware version) went into the model
// unfiltered and the next GET /api/model threw type_error.316, stopping every driver.
TEST(Robustness, NonUtf8DeviceStringReachesNoWriterUnrepaired) {
  const auto dir = fresh_dir("utf8");
  std::string capture = read_file(GXLINK_TEST_DATA "/canopen/superb_bank.candump");
  const std::string good = "581#05312E362E300000", bad = "581#05FF2E362E300000";
  ASSERT_NE(capture.find(good), std::string::npos);
  capture.replace(capture.find(good), good.size(), bad);
  std::ofstream(dir / "bank.candump") << capture;

  // The snapshot shows the firmware string read as Latin-1, in valid JSON.
  auto [code, out] =
      test::run_command({GXLINK_BINARY, "snapshot", "canopen:" + (dir / "bank.candump").string()});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\xC3\xBF.6.0"), std::string::npos) << out.substr(0, 2000);
  EXPECT_TRUE(snapshot_json(out).is_object());

  // The daemon replaying it keeps serving /api/model and keeps running.
  // listen_only: the replay pairs the recorded client's requests and answers, as snapshot does.
  std::ofstream(dir / "gxlink.toml")
      << "[[canopen]]\nlisten_only = true\ninterface = \"file:" << (dir / "bank.candump").string()
      << "\"\n";
  const int port = test::free_tcp_port();
  Process gx({GXLINK_BINARY, "run", "--config", (dir / "gxlink.toml").string(), "--no-tui",
              "--dbus", "none", "--http", "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  ASSERT_TRUE(test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        return res && res->status == 200 && res->body.find("\xC3\xBF.6.0") != std::string::npos;
      },
      15s))
      << gx.output();
  for (int i = 0; i < 5; ++i) {
    auto res = cli.Get("/api/model");
    ASSERT_TRUE(res && res->status == 200);
    EXPECT_TRUE(nlohmann::json::parse(res->body, nullptr, false).is_object());
  }
  EXPECT_TRUE(gx.running()) << gx.output();
  EXPECT_EQ(gx.stop(), 0) << gx.output();
  fs::remove_all(dir);
}

// Defect 3: `decode mk2` aborted on command bytes >= 0x80 and on random data.
TEST(Robustness, DecodeMk2SurvivesOddBytesAndRandomData) {
  const auto dir = fresh_dir("mk2");
  std::ofstream(dir / "odd.bin", std::ios::binary) << std::string("\x02\xff\x86\x79", 4);
  auto [c1, o1] = test::run_command({GXLINK_BINARY, "decode", "mk2", (dir / "odd.bin").string()});
  EXPECT_EQ(c1, 0) << o1;

  std::mt19937 rng(11);
  std::string noise(std::size_t{5} << 20, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  std::ofstream(dir / "noise.bin", std::ios::binary) << noise;
  for (const char* proto : {"mk2", "vedirect", "canbms", "canopen", "nmea2000"}) {
    Piped p({GXLINK_BINARY, "decode", proto, (dir / "noise.bin").string()}, false);
    auto [code, rss] = p.finish();
    EXPECT_EQ(code, 0) << proto;
  }
  // Whatever valid-looking frames the noise holds are printed as JSON objects.
  Process dec({"/bin/sh", "-c",
               std::string(GXLINK_BINARY) + " decode mk2 " + (dir / "noise.bin").string() +
                   " 2>/dev/null"});
  ASSERT_TRUE(dec.wait(120s));
  EXPECT_EQ(dec.exit_code(), 0);
  expect_json_lines(dec.output());
  fs::remove_all(dir);
}

// Defect 3: a directory or an unreadable input is an error (exit 2) for every protocol.
TEST(Robustness, DecodeAndSnapshotRefuseADirectory) {
  const auto dir = fresh_dir("dir");
  for (const char* proto : {"mk2", "vedirect", "canbms", "canopen", "nmea2000"}) {
    auto [code, out] = test::run_command({GXLINK_BINARY, "decode", proto, dir.string()});
    EXPECT_EQ(code, 2) << proto << ": " << out;
    EXPECT_NE(out.find("directory"), std::string::npos) << out;
  }
  for (const char* kind : {"mk2", "vedirect", "canbms", "canopen", "nmea2000", "dbus-recording"}) {
    auto [code, out] =
        test::run_command({GXLINK_BINARY, "snapshot", std::string(kind) + ":" + dir.string()});
    EXPECT_EQ(code, 2) << kind << ": " << out;
  }
  fs::remove_all(dir);
}

// Defect 3: every decoder streams in bounded memory (200 MB of input took 252 MB of RSS).
TEST(Robustness, DecodeStreamsInBoundedMemory) {
  const auto dir = fresh_dir("big");
  {
    std::mt19937 rng(3);
    std::ofstream f(dir / "big.bin", std::ios::binary);
    std::string block(std::size_t{1} << 20, '\0');
    for (int i = 0; i < 48; ++i) {
      for (auto& c : block) c = static_cast<char>(rng() & 0x7F);  // few bytes that start a frame
      f << block;
    }
  }
  Piped p({GXLINK_BINARY, "decode", "mk2", (dir / "big.bin").string()}, false);
  auto [code, rss_kib] = p.finish();
  EXPECT_EQ(code, 0);
  EXPECT_LT(rss_kib, 32 * 1024) << "decode mk2 of 48 MB peaked at " << rss_kib << " KiB";
  // A text capture that is one endless line: skipped, counted, bounded.
  {
    std::ofstream f(dir / "line.log", std::ios::binary);
    std::string block(std::size_t{1} << 20, 'A');
    for (int i = 0; i < 48; ++i) f << block;
  }
  for (const char* proto : {"canbms", "canopen", "nmea2000"}) {
    Piped q({GXLINK_BINARY, "decode", proto, (dir / "line.log").string()}, false);
    auto [c, rss] = q.finish();
    EXPECT_EQ(c, 0) << proto;
    EXPECT_LT(rss, 32 * 1024) << proto << " peaked at " << rss << " KiB";
  }
  fs::remove_all(dir);
}

std::string vedirect_block() {
  std::string b = "\r\nPID\t0xA053\r\nV\t12800\r\nI\t1500\r\nChecksum\t";
  unsigned sum = 0;
  for (unsigned char c : b) sum += c;
  b.push_back(static_cast<char>((256 - sum % 256) % 256));
  return b;
}

// Defect 3: each message is printed as soon as it is complete, so `candump -L can0 | gxlink
// decode ...` works live (mk2 printed nothing until EOF, vedirect only every 64 kB).
TEST(Robustness, DecodePrintsEachMessageAsItArrives) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"canbms", "(1700000000.000000) can0 351#4502D004D0040000\n"},
      {"canopen", "(1700000000.000000) can1 701#05\n"},
      {"nmea2000", "(1700000000.000000) can0 09F21483#0102030405060708\n"},
      {"vedirect", vedirect_block()},
      {"mk2", std::string("\x02\xff\x56\xa9", 4)},  // the MK2's reply to V? shape: len FF 'V' cs
  };
  for (const auto& [proto, msg] : cases) {
    Piped p({GXLINK_BINARY, "decode", proto, "-"});
    p.write(msg);
    // Not a speed check: 10 s is forever; the old code printed nothing before EOF at all.
    const std::string line = p.read_line(10s);
    EXPECT_FALSE(line.empty()) << proto << " printed nothing before the end of its input";
    if (!line.empty()) {
      EXPECT_TRUE(nlohmann::json::parse(line, nullptr, false).is_object()) << proto << ": " << line;
    }
    auto [code, rss] = p.finish();
    EXPECT_EQ(code, 0) << proto;
  }
}

// Defect 10: an empty capture is a unit that never answered.
TEST(Robustness, SnapshotOfAnEmptyMk2CaptureIsNotConnected) {
  const auto dir = fresh_dir("empty");
  std::ofstream(dir / "empty.bin").close();
  auto [code, out] =
      test::run_command({GXLINK_BINARY, "snapshot", "mk2:" + (dir / "empty.bin").string()});
  ASSERT_EQ(code, 0) << out;
  auto j = snapshot_json(out);
  ASSERT_TRUE(j.is_object()) << out;
  for (auto& [name, paths] : j.items())
    if (name.starts_with("com.victronenergy.vebus.")) {
      EXPECT_EQ(paths["/Connected"], 0) << name;
    }
  fs::remove_all(dir);
}

// Defect 2: the run directory is fresh and private, never a reused predictable name; state
// files are 0600 and written without following planted links.
TEST(Robustness, RunDirectoryIsPrivateAndUnpredictable) {
  const auto tmp = fresh_dir("rundir");
  const int port = test::free_tcp_port();
  Process gx({"/usr/bin/env", "TMPDIR=" + tmp.string(), GXLINK_BINARY, "run", "--demo", "--no-tui",
              "--dbus", "none", "--http", "127.0.0.1:" + std::to_string(port)});
  fs::path run_dir;
  ASSERT_TRUE(test::eventually(
      [&] {
        for (auto& e : fs::directory_iterator(tmp)) {
          const auto name = e.path().filename().string();
          if (name.starts_with("gxlink-") && fs::exists(e.path() / "device_instances.json")) {
            run_dir = e.path();
            return true;
          }
        }
        return false;
      },
      15s))
      << gx.output();
  struct stat st {};
  ASSERT_EQ(::lstat(run_dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  ASSERT_EQ(::lstat((run_dir / "device_instances.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(gx.stop(), 0) << gx.output();
  EXPECT_FALSE(fs::exists(run_dir)) << "the run directory is left behind";
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace gxlink
