// Frame mode with a size limit: a frame over `max_pixels` goes through the
// generator scaled down to fit, and the cartoon is scaled back up and blended
// into the frame. Keeps memory bounded on 8K input (the generator's
// activations grow with the frame: about 2 GB at 1920x1080 on the CPU).
#pragma once
#include <cstdint>

#include "engine.h"

namespace cartoonize_element {

// The size a width x height frame is run at under `max_pixels` (<= 0: no limit).
void fit_within(int width, int height, int64_t max_pixels, int* out_width, int* out_height);

// engine.cartoonize_frame(image, strength), at most max_pixels at a time.
void cartoonize_frame_within(cartoonize::Engine& engine, const cartoonize::ImageView& image, float strength,
                             int64_t max_pixels);

}  // namespace cartoonize_element
