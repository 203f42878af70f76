// Crash-safe file replacement: write to a temporary file beside the target,
// fsync it, rename it over the target, fsync the directory. A process killed
// at any point leaves either the old file or the new one, never a torn file.
#pragma once
#include <functional>
#include <ostream>
#include <string>

namespace cartoonize {

// Calls write(out) on a stream to a temporary file, then replaces `path`.
// Throws Error (with strerror, e.g. "No space left on device") on failure;
// the previous file at `path` is then left untouched.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace cartoonize
