// SPDX-License-Identifier: MIT
#pragma once
// Helpers for tests that run real programs (the gxlink binary, dbus-daemon, mosquitto, python
// peers): spawn with pipes, wait with a deadline, kill the whole group at the end, find a free
// loopback port.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace gxlink::test {

/// A child process in its own process group; killed (SIGTERM, then SIGKILL) when destroyed.
class Process {
 public:
  /// Starts argv[0] (looked up in PATH) with stdout/stderr captured into files under /tmp.
  explicit Process(std::vector<std::string> argv) {
    out_path_ = "/tmp/gxlink-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter()++) + ".out";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  /// Stops the process and removes its output file: a test run must not leave files in /tmp
  /// (thousands had piled up there over repeated runs).
  ~Process() {
    stop();
    ::unlink(out_path_.c_str());
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  /// SIGTERM, wait up to 5 s, then SIGKILL. Returns the exit status (or -1).
  int stop(int sig = SIGTERM) {
    if (pid_ <= 0) return status_;
    ::kill(-pid_, sig);
    for (int i = 0; i < 100; ++i) {
      if (reap()) return status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(-pid_, SIGKILL);
    while (!reap()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return status_;
  }
  /// Waits for the process to exit by itself; false on timeout.
  bool wait(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (reap()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  bool running() { return pid_ > 0 && !reap(); }
  int exit_code() const { return status_; }
  std::string output() const {
    std::string s;
    if (FILE* f = std::fopen(out_path_.c_str(), "rb")) {
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
      std::fclose(f);
    }
    return s;
  }
  pid_t pid() const { return pid_; }

 private:
  bool reap() {
    if (pid_ <= 0) return true;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      pid_ = -1;
      return true;
    }
    return false;
  }
  static int& counter() {
    static int c = 0;
    return c;
  }
  pid_t pid_ = -1;
  int status_ = -1;
  std::string out_path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
inline int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

/// Polls `ok` every 50 ms until it is true or `timeout` passes.
inline bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ok();
}

/// Runs `cmd` through /bin/sh (its redirections and pipes as written) to completion; returns its
/// exit code (-1 if it did not exit) and what it wrote to stdout.
struct ShellResult {
  int code = -1;
  std::string out;
};
inline ShellResult run_shell(const std::string& cmd) {
  ShellResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Runs a command to completion; returns (exit code, stdout+stderr).
inline std::pair<int, std::string> run_command(
    std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  Process p(std::move(argv));
  if (!p.wait(timeout)) p.stop(SIGKILL);
  return {p.exit_code(), p.output()};
}

}  // namespace gxlink::test
