// A mapped GstVideoFrame as core/ sees it, and a mapping that ends with its
// scope. The view's pointer is host or device memory, as the frame was mapped.
#pragma once
#include <gst/video/video.h>

#include "image.h"

namespace cartoonize_element {

inline cartoonize::ImageView view_of(const GstVideoFrame& frame, cartoonize::PixelLayout layout) {
  cartoonize::ImageView view;
  view.data = static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  view.width = GST_VIDEO_FRAME_WIDTH(&frame);
  view.height = GST_VIDEO_FRAME_HEIGHT(&frame);
  view.stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  view.layout = layout;
  return view;
}

class MappedFrame {
 public:
  MappedFrame() = default;
  MappedFrame(const MappedFrame&) = delete;
  MappedFrame& operator=(const MappedFrame&) = delete;
  ~MappedFrame() { unmap(); }

  // Maps `buffer` (unmapping what was mapped before); false when it cannot be.
  bool map(GstVideoInfo* info, GstBuffer* buffer, GstMapFlags flags) {
    unmap();
    mapped_ = gst_video_frame_map(&frame_, info, buffer, flags);
    flags_ = mapped_ ? flags : GstMapFlags(0);
    return mapped_;
  }
  void unmap() {
    if (mapped_) gst_video_frame_unmap(&frame_);
    mapped_ = false;
    flags_ = GstMapFlags(0);
  }
  // Mapped with at least `flags`.
  bool mapped_with(GstMapFlags flags) const { return mapped_ && (flags_ & flags) == flags; }
  cartoonize::ImageView view(cartoonize::PixelLayout layout) const { return view_of(frame_, layout); }

 private:
  GstVideoFrame frame_{};
  bool mapped_ = false;
  GstMapFlags flags_ = GstMapFlags(0);
};

}  // namespace cartoonize_element
