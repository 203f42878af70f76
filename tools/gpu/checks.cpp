#include "checks.h"

#include <cstdio>
#include <sstream>

#include "image_metrics.h"

namespace cartoonize::bench {

Check compare_bytes(const std::string& name, const torch::Tensor& got, const torch::Tensor& want, double min_psnr,
                    double max_mean, int max_diff, double min_within_2) {
  Check c{name};
  if (got.sizes() != want.sizes()) {
    std::printf("FAIL %s: shapes differ\n", name.c_str());
    return c;
  }
  const torch::Tensor d = (got.cpu().to(torch::kInt) - want.cpu().to(torch::kInt)).abs().to(torch::kDouble);
  c.psnr = psnr(got.cpu().to(torch::kFloat), want.cpu().to(torch::kFloat));  // infinity when equal
  c.mean_diff = d.mean().item<double>();
  c.max_diff = d.max().item<double>();
  c.frac_within_2 = (d <= 2).to(torch::kDouble).mean().item<double>();
  c.pass = c.psnr >= min_psnr && c.mean_diff <= max_mean && c.max_diff <= max_diff && c.frac_within_2 >= min_within_2;
  std::printf("%s %s: PSNR %.2f dB, mean |diff| %.3f, max |diff| %.0f, %.4f%% within 2 levels\n",
              c.pass ? "PASS" : "FAIL", name.c_str(), c.psnr, c.mean_diff, c.max_diff, 100 * c.frac_within_2);
  return c;
}

Check verdict(const std::string& name, bool pass) {
  std::printf("%s %s\n", pass ? "PASS" : "FAIL", name.c_str());
  Check c{name};
  c.pass = pass;
  return c;
}

std::string checks_markdown(const std::vector<Check>& checks) {
  std::ostringstream md;
  md << "| result | check | PSNR dB | mean abs diff | max abs diff | within 2 levels |\n|---|---|---|---|---|---|\n";
  for (const auto& c : checks) {
    char line[640];
    std::snprintf(line, sizeof line, "| %s | %s | %.2f | %.3f | %.0f | %.4f%% |\n", c.pass ? "PASS" : "FAIL",
                  c.name.c_str(), c.psnr, c.mean_diff, c.max_diff, 100 * c.frac_within_2);
    md << line;
  }
  return md.str();
}

}  // namespace cartoonize::bench
