// Which files are held out from training: decided by a hash of the file name
// alone, so `prepare`, the packs the trainer reads and `eval` agree on the
// split without sharing any list, and a file never changes sides.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace cartoonize::train {

// FNV-1a, 64 bit, continuing from h.
uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull);

// True for about `percent` % of file names (the file name only, not the folder).
bool held_out(const std::string& path, int percent);

// At most max_count of files (all when max_count <= 0), evenly spaced over the
// listing so a subset still spans a sorted folder.
std::vector<std::string> evenly_spaced(const std::vector<std::string>& files, int max_count);

// A hex key of file lists (each file's path and size, in order) and a salt,
// for caches that must be rebuilt when what they were made from changes.
std::string file_list_key(const std::string& salt, std::initializer_list<const std::vector<std::string>*> lists);

// Share of each style's images (anime256/, toon/, ...) and of the extra photo
// sets (selfies/) kept out of training for `eval`'s style score.
constexpr int kStyleHeldOutPercent = 10;

}  // namespace cartoonize::train
