// Model files for tests, written with the project's own writer: a seeded
// random generator (a real, if untrained, network) and damaged copies.
#pragma once
#include <string>

#include "generator.h"
#include "model_file.h"

namespace cartoonize::testing {

// Writes a generator with seeded random weights; returns it.
Generator write_random_model(const std::string& path, GeneratorConfig config = {}, bool half = false,
                             uint64_t seed = 7);
// A TorchScript module computing `body` (TorchScript source of forward's
// return expression over x), with an optional cartoonize.txt extra file.
void write_script_model(const std::string& path, const std::string& body, const std::string& meta);

std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);

}  // namespace cartoonize::testing
