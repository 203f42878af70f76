// Checks the pickles inside a TorchScript archive before LibTorch unpickles
// them. LibTorch's unpickler trusts the lengths a pickle declares: it reserves
// a string's declared length before reading it (a 2,007-byte file found by
// tests/fuzz made it reserve 1.67 GB) and grows its memo table to whatever
// index a PUT names (16 bytes a slot). The zip directory is checked by
// check_zip_sizes (model_file.h); this is the same check one level down.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace cartoonize {

// Bytes held by the data record a storage key names; -1 when unknown.
using StorageSize = std::function<int64_t(const std::string& key)>;

// Walks one pickle's opcodes (protocols 0-5), shadowing the unpickler's stack
// only as far as storages' persistent ids need (nothing is built). Throws
// Error naming `name` and the byte when an argument (a length-prefixed
// string, bytes, long or frame, a text line, a fixed-size integer) runs past
// the end of the data, a memo index is larger than the pickle itself, an
// opcode or protocol is unknown, the stack underflows, the data ends before
// STOP, or a storage ('storage', dtype, key, location, numel) declares more
// elements than `storage_size(key)` bytes hold (LibTorch would build it over
// the smaller record and read past it).
void scan_pickle(const void* data, size_t size, const std::string& name, const StorageSize& storage_size = {});

// Reads every pickle record of a TorchScript archive (names ending in "pkl":
// data.pkl, constants.pkl, *.debug_pkl, which are deflated) with LibTorch's
// own zip reader, the way torch::jit::load will, and scans each one. Call
// check_zip_sizes first: the reader allocates a record's declared size.
// Throws Error.
void check_pickle_records(const std::string& path);

}  // namespace cartoonize
