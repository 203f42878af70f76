// Checks the pickles inside a TorchScript archive before LibTorch unpickles
// them. LibTorch's unpickler trusts the lengths a pickle declares: it reserves
// a string's declared length before reading it (a 2,007-byte file found by
// tests/fuzz made it reserve 1.67 GB) and grows its memo table to whatever
// index a PUT names (16 bytes a slot). The zip directory is checked by
// check_zip_sizes (model_file.h); this is the same check one level down.
#pragma once
#include <cstddef>
#include <string>

namespace cartoonize {

// Walks one pickle's opcodes (protocols 0-5) without building anything.
// Throws Error naming `name` when an argument (a length-prefixed string,
// bytes, long or frame, a text line, a fixed-size integer) runs past the end
// of the data, a memo index is larger than the pickle itself, an opcode or
// protocol is unknown, or the data ends before STOP.
void scan_pickle(const void* data, size_t size, const std::string& name);

// Reads every pickle record of a TorchScript archive (names ending in "pkl":
// data.pkl, constants.pkl, *.debug_pkl, which are deflated) with LibTorch's
// own zip reader, the way torch::jit::load will, and scans each one. Call
// check_zip_sizes first: the reader allocates a record's declared size.
// Throws Error.
void check_pickle_records(const std::string& path);

}  // namespace cartoonize
