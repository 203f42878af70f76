// The project's model file (.ctzm): one file with the architecture, its
// hyper-parameters, the input size and normalisation, the provenance and the
// weights. Layout (all integers little-endian):
//   "CTZMODEL" | u32 version (1) | u32 header length | header text | payload
// The header is UTF-8 text, one `key value` per line:
//   header_crc32 C        (first; CRC-32 of the header text without this
//                          line. Files written before it have none and load
//                          as before; when present it must match)
//   architecture unet-wbc / width 32 / res_blocks 4 / input_size 128
//   normalization minus_one_one / dtype f16 / payload_bytes N / payload_crc32 C
//   tensor NAME D0,D1,.. OFFSET BYTES      (one line per tensor)
//   provenance {...single-line JSON...}
//   style NAME                             (optional: the look, e.g. anime)
//   output_lines R C / output_color K / output_guided R EPS  (optional: ModelInfo::output_filter)
// Header values are range-checked as the trainer's options are: width
// 1..512, res_blocks 0..64, input_size kMinInputSize..kMaxInputSize (16..1024);
// the tensor table must lay the tensors out as save_model_file does (in
// order, 64-byte aligned, ending at payload_bytes). An unknown key is ignored
// unless it is one bit from a known one (a damaged line).
// Text keeps the loader tiny and fuzzable and needs no JSON library on the
// GPU machine (core/ builds with LibTorch alone).
#pragma once
#include <cstdint>
#include <string>

#include "generator.h"
#include "model_info.h"

namespace cartoonize {

struct NativeModel {
  ModelInfo info;
  Generator generator{nullptr};
};

// Writes `generator` (weights as f16 when half, else f32) atomically.
void save_model_file(const std::string& path, Generator& generator, const ModelInfo& info, bool half);

// Reads and validates a .ctzm file. Throws Error naming the problem: missing
// file, directory, permission, empty/truncated, bad magic, unsupported version,
// checksum mismatch (weights or header), a header value out of range, a
// tensor table off the layout, unknown architecture, missing/unexpected tensor, shape
// mismatch, NaN/Inf weights.
NativeModel load_model_file(const std::string& path);

// Reads only the header of a .ctzm file (no weights): what a style list
// needs to describe a file cheaply. Throws Error like load_model_file.
ModelInfo read_model_header(const std::string& path);

// True when the file starts like a zip archive (TorchScript modules are zips).
bool is_zip_file(const std::string& path);
// Checks a zip archive's directory before LibTorch reads it: every entry
// inside the file, none declaring more bytes than its data can hold (stored:
// its size; deflate: 1032x). LibTorch allocates an entry's declared size
// before reading it. Throws Error.
void check_zip_sizes(const std::string& path);

uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace cartoonize
