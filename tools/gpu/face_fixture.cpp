#include "face_fixture.h"

#include <stdexcept>
#include <vector>

namespace cartoonize::bench {

void save_face_fixture(const std::string& path, const FaceFixture& f) {
  const std::vector<torch::Tensor> all = {f.frame,    f.matrices,       f.masks,         f.alpha,
                                          f.cartoons, f.expected_crops, f.expected_paste};
  torch::save(all, path);
}

FaceFixture load_face_fixture(const std::string& path) {
  std::vector<torch::Tensor> t;
  torch::load(t, path);
  if (t.size() != 7) throw std::runtime_error(path + ": not a face fixture (" + std::to_string(t.size()) + " tensors)");
  FaceFixture f{t[0], t[1], t[2], t[3], t[4], t[5], t[6]};
  const int64_t n = f.matrices.size(0);
  const bool ok = f.frame.dim() == 3 && f.frame.size(2) == 3 && f.matrices.dim() == 2 && f.matrices.size(1) == 6 &&
                  f.masks.dim() == 3 && f.masks.size(0) == n && f.alpha.numel() == n && f.cartoons.dim() == 4 &&
                  f.cartoons.size(0) == n && f.expected_crops.sizes() == f.cartoons.sizes() &&
                  f.expected_paste.sizes() == f.frame.sizes();
  if (!ok) throw std::runtime_error(path + ": face fixture with inconsistent shapes");
  return f;
}

}  // namespace cartoonize::bench
