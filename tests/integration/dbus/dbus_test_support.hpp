// SPDX-License-Identifier: MIT
#pragma once
// Real peers for the D-Bus tests: a private dbus-daemon, child processes with pipes (the python
// client and exporter), and the asio loop on its own thread with a way to run code on it.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace gxlink::test {

/// A child process with its stdin and stdout on pipes; stderr is inherited (shows in ctest logs)
/// unless `merge_stderr` puts it on the stdout pipe too (gxlink logs to stderr).
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, bool merge_stderr = false) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (merge_stderr) posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0)
      throw std::runtime_error("cannot start " + argv[0]);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~Child() {
    if (stdin_ >= 0) ::close(stdin_);
    stop();
    if (stdout_ >= 0) ::close(stdout_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void write_line(const std::string& s) {
    std::string l = s + "\n";
    if (::write(stdin_, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
      throw std::runtime_error("write");
  }
  /// The next line of output, or nullopt after `timeout` or at EOF.
  std::optional<std::string> read_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char tmp[4096];
      const auto n = ::read(stdout_, tmp, sizeof tmp);
      if (n <= 0) return std::nullopt;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }
  /// Waits for the exit and returns the whole remaining output.
  std::string read_all(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::string all;
    while (auto l = read_line(timeout)) all += *l + "\n";
    return all + buf_;
  }
  int wait() {
    if (pid_ <= 0) return exit_;
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    exit_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return exit_;
  }
  void stop(int sig = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    wait();
  }

 private:
  pid_t pid_ = -1;
  int exit_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buf_;
};

/// A private dbus-daemon on a unix socket in a fresh directory; restartable on the same address.
class PrivateBus {
 public:
  PrivateBus() {
    char tmpl[] = "/tmp/gxlink-dbus-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    address_ = "unix:path=" + (dir_ / "bus").string();
    start();
  }
  ~PrivateBus() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& address() const { return address_; }
  pid_t pid() const { return daemon_ ? daemon_->pid() : -1; }
  void start() {
    std::filesystem::remove(dir_ / "bus");
    daemon_ = std::make_unique<Child>(std::vector<std::string>{"/usr/bin/dbus-daemon", "--session",
                                                               "--nofork", "--print-address",
                                                               "--address=" + address_});
    // --print-address prints once the daemon listens.
    if (!daemon_->read_line(std::chrono::seconds(20)))
      throw std::runtime_error("dbus-daemon did not start");
  }
  void stop() { daemon_.reset(); }

 private:
  std::filesystem::path dir_;
  std::string address_;
  std::unique_ptr<Child> daemon_;
};

/// The model's loop on a thread of its own; the test thread talks to the model through on_loop().
class LoopThread {
 public:
  LoopThread() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~LoopThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }
  template <class F>
  auto on_loop(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io_, [&task] { task(); });
    return fut.get();
  }
  /// Polls `pred` on the loop every 50 ms until it holds or `timeout` passes.
  bool wait_for(std::function<bool()> pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (on_loop([&] { return pred(); })) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return on_loop([&] { return pred(); });
  }

 private:
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

/// Runs a command to completion and returns its stdout.
inline std::string run(const std::vector<std::string>& argv, int* exit_code = nullptr) {
  Child c(argv);
  std::string out = c.read_all();
  const int rc = c.wait();
  if (exit_code) *exit_code = rc;
  return out;
}

}  // namespace gxlink::test
