// A PNG plot of a loss CSV (one curve per column, each scaled to its own
// range, moving-averaged), so a person sees at a glance where a run is going.
#pragma once
#include <string>

namespace cartoonize::train {

// csv: header "iteration,a,b,...,seconds"; writes png atomically. Columns
// named "seconds" are skipped. Does nothing for fewer than two rows.
void plot_losses(const std::string& csv, const std::string& png);

}  // namespace cartoonize::train
