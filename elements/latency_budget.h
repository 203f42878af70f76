// How long the element holds a frame, for the LATENCY query, and whether a
// frame of a live stream can still reach the sink in time (the element skips
// it otherwise, before spending the generator on it). Used under state_lock:
// the streaming thread records, the query reads.
#pragma once
#include <gst/gst.h>

#include <array>
#include <cstddef>

namespace cartoonize_element {

class LatencyBudget {
 public:
  // The frame interval of the negotiated caps (GST_CLOCK_TIME_NONE: variable or unknown).
  void set_frame_interval(GstClockTime interval) { interval_ = interval; }
  // Forgets the measured times (a new model or new caps take their own).
  void restart();
  // One processed frame took `took`.
  void record(GstClockTime took);

  // What the element adds to the pipeline's latency: the slowest of the last
  // frames plus 1/8 for jitter and, when frames come faster than they are
  // processed, one frame interval more (a frame then waits, in its source's
  // thread, for the one before it). 0 before the first frame.
  GstClockTime latency() const;
  // The slowest of the last frames: what a frame entering now may take.
  GstClockTime slowest() const;

  // The latency the last LATENCY query answered.
  void reported(GstClockTime latency) {
    reported_ = latency;
    pending_ = false;
  }
  GstClockTime last_reported() const { return reported_; }
  // True when frames now take longer than the reported latency allows, or
  // (measured on enough frames) under half of it: the element should post a
  // latency message so the pipeline asks again.
  bool needs_announce() const;
  // A latency message was posted: no other until the next query.
  void announced() { pending_ = true; }

 private:
  static constexpr std::size_t kWindow = 32;  // frames the worst case is taken over
  bool cannot_keep_up() const;

  std::array<GstClockTime, kWindow> recent_{};
  std::size_t count_ = 0;  // frames recorded since restart()
  GstClockTime interval_ = GST_CLOCK_TIME_NONE;
  GstClockTime reported_ = 0;
  bool pending_ = false;  // announced, not asked yet
};

// What the skip decision for live streams knows besides the processing
// times: from the LATENCY query (upstream) and the LATENCY event (the
// pipeline's configured latency), and the element's QoS statistics.
struct LiveTiming {
  bool live = false;                            // upstream is live
  GstClockTime upstream = 0;                    // upstream's minimum latency
  GstClockTime pipeline = GST_CLOCK_TIME_NONE;  // the pipeline's latency, once configured
  guint64 processed = 0;                        // frames through the generator
  guint64 skipped = 0;                          // frames skipped as late (all so far)
  guint skipped_in_a_row = 0;
};

// How late a frame of `running_time` entering at `now` (running time of the
// pipeline clock) could leave the element: past its render time (running
// time + the pipeline's latency) after the slowest recent processing time. A
// positive value means the sink may drop it, so the element skips it
// instead; 0 or less: on time. A frame that waited less than one frame
// interval (plus the jitter margin) always passes: latency() covers it. Always 0 for a stream that is not live,
// before the pipeline's latency is known, when even a frame that waited for
// nothing would be late (our latency is not configured yet: skipping would
// show nothing), and after kMaxSkippedInARow frames skipped in a row.
GstClockTimeDiff lateness_at_exit(const LiveTiming& timing, const LatencyBudget& budget, GstClockTime running_time,
                                  GstClockTime now);
constexpr guint kMaxSkippedInARow = 60;

}  // namespace cartoonize_element
