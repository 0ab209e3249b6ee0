// SPDX-License-Identifier: MIT
#include "core/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace gxlink {
namespace {

tl::unexpected<Error> io_fail(const std::string& what, int err) {
  return fail(Errc::kIo, what + ": " + std::strerror(err));
}

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view content,
                                   mode_t mode) {
  const std::string tmp = file.string() + ".tmp";
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(tmp.c_str(), kFlags, mode);
  if (fd < 0 && errno == EEXIST) {
    // A temporary file left by a crash, or something planted: remove the name and try once more.
    // unlink(2) removes a symlink itself, never what it points to.
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
      return io_fail("cannot remove " + tmp, errno);
    fd = ::open(tmp.c_str(), kFlags, mode);
  }
  if (fd < 0) return io_fail("cannot create " + tmp, errno);
  // open() applies the umask; the mode asked for is what the file must have.
  const bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, content) && ::fsync(fd) == 0;
  const int err = errno;
  if (::close(fd) != 0 || !ok) {
    ::unlink(tmp.c_str());
    return io_fail("cannot write " + tmp, ok ? errno : err);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return io_fail("cannot rename " + tmp, e);
  }
  // Make the rename itself durable (a power cut right after must not bring the old name back).
  const auto parent = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (int dfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<void> check_private_dir(const std::filesystem::path& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return io_fail("cannot use " + dir.string(), errno);
  if (S_ISLNK(st.st_mode)) return fail(Errc::kRefused, dir.string() + " is a symbolic link");
  if (!S_ISDIR(st.st_mode)) return fail(Errc::kRefused, dir.string() + " is not a directory");
  if (st.st_uid != ::geteuid())
    return fail(Errc::kRefused, dir.string() + " belongs to uid " + std::to_string(st.st_uid) +
                                    ", not to us (uid " + std::to_string(::geteuid()) + ")");
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fail(Errc::kRefused, dir.string() + " is writable by other users");
  return {};
}

Result<std::filesystem::path> make_run_dir() {
  if (const char* rt = std::getenv("RUNTIME_DIRECTORY"); rt && *rt) {
    std::string first(rt);
    first = first.substr(0, first.find(':'));
    if (auto ok = check_private_dir(first); !ok) return tl::unexpected(ok.error());
    return std::filesystem::path(first);
  }
  std::error_code ec;
  auto base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string templ = (base / "gxlink-XXXXXX").string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  // mkdtemp creates a new, unpredictable directory with mode 0700, or fails: never reuses one.
  if (::mkdtemp(buf.data()) == nullptr)
    return io_fail("cannot create a run directory in " + base.string(), errno);
  return std::filesystem::path(buf.data());
}

Result<void> ensure_state_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.has_parent_path() && !std::filesystem::exists(dir.parent_path(), ec))
    std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return io_fail("cannot create " + dir.string(), errno);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return io_fail("cannot use " + dir.string(), errno);
  if (!S_ISDIR(st.st_mode)) return fail(Errc::kRefused, dir.string() + " is not a directory");
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return fail(Errc::kRefused,
                dir.string() + " belongs to another user (uid " + std::to_string(st.st_uid) + ")");
  if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_uid != ::geteuid()))
    return fail(Errc::kRefused, dir.string() + " is writable by other users");
  return {};
}

}  // namespace gxlink
