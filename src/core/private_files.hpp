// SPDX-License-Identifier: MIT
#pragma once
/// Files and directories that only gxlink's own user may touch (issue 11: a predictable
/// /tmp/gxlink-<pid> that was reused whoever owned it let a local user make a root gxlink write
/// through a planted symlink). Used by the daemon for its run directory and by every state file
/// writer (device instances, settings, history). Not for protocol libraries: they do no I/O.

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "core/result.hpp"

namespace gxlink {

/// Writes `content` to `file` so that a reader sees the old or the new content, never half, and
/// so that nothing planted at the file's name or at its temporary name is followed: the temporary
/// file is created with O_CREAT|O_EXCL|O_NOFOLLOW (a stale one is unlinked first — unlink removes
/// a symlink, never its target), written, fsync'ed and renamed over `file` (rename replaces the
/// name, it does not write through a symlink). The file gets `mode` (0600 by default).
Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view content,
                                   mode_t mode = 0600);

/// Checks that `dir` is a real directory (not a symlink), owned by the effective user, and not
/// writable by group or others — a directory nobody else can plant anything in.
Result<void> check_private_dir(const std::filesystem::path& dir);

/// The daemon's run directory (pty links, sockets, the demo's state):
///  - `$RUNTIME_DIRECTORY` (set by systemd's RuntimeDirectory=; the first of a ':' list) when it
///    is set, after check_private_dir;
///  - otherwise a fresh directory from mkdtemp(3) under the temporary directory, mode 0700.
Result<std::filesystem::path> make_run_dir();

/// Creates `dir` (and its parents) if missing, the last component with mode 0700. Refuses a
/// directory that exists and is writable by others or owned by another user (root excepted: a
/// root-owned state directory that we may write is fine, e.g. one made by systemd).
Result<void> ensure_state_dir(const std::filesystem::path& dir);

}  // namespace gxlink
