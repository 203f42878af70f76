#include "latency_budget.h"

#include <algorithm>

namespace cartoonize_element {

void LatencyBudget::restart() {
  recent_.fill(0);
  count_ = 0;
}

void LatencyBudget::record(GstClockTime took) {
  recent_[count_ % kWindow] = took;
  ++count_;
}

GstClockTime LatencyBudget::slowest() const { return *std::max_element(recent_.begin(), recent_.end()); }

bool LatencyBudget::cannot_keep_up() const { return GST_CLOCK_TIME_IS_VALID(interval_) && slowest() > interval_; }

GstClockTime LatencyBudget::latency() const {
  const GstClockTime worst = slowest();
  return worst + worst / 8 + (cannot_keep_up() ? interval_ : 0);
}

bool LatencyBudget::needs_announce() const {
  if (count_ == 0 || pending_) return false;
  const GstClockTime worst = slowest() + (cannot_keep_up() ? interval_ : 0);  // without the jitter margin
  if (worst > reported_) return true;  // frames are reaching the sink late
  return count_ >= kWindow / 4 && latency() < reported_ / 2;  // much faster now: less delay for everyone
}

GstClockTimeDiff lateness_at_exit(const LiveTiming& timing, const LatencyBudget& budget, GstClockTime running_time,
                                  GstClockTime now) {
  if (!timing.live || !GST_CLOCK_TIME_IS_VALID(timing.pipeline) || !GST_CLOCK_TIME_IS_VALID(running_time) ||
      !GST_CLOCK_TIME_IS_VALID(now) || timing.skipped_in_a_row >= kMaxSkippedInARow)
    return 0;
  const GstClockTime takes = budget.slowest();
  if (takes == 0 || timing.upstream + takes > timing.pipeline) return 0;
  return GST_CLOCK_DIFF(running_time + timing.pipeline, now + takes);
}

}  // namespace cartoonize_element
