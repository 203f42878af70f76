// Writes the OpenCV face path's warp/paste references (tools/gpu/face_fixture.h)
// for gpu-check: the group photo at 1920x1080 and 640x480, and one face cut
// by the frame's border at an odd size. Part of `cartoonize-bench --save-frames`.
#pragma once
#include <string>

#include "detector.h"

namespace cartoonize::bench {

// Writes DIR/faces-*.pt; returns how many. Throws when a photo has no face.
int write_face_fixtures(const std::string& dir, const std::string& data_dir, faces::FaceDetector& detector);

}  // namespace cartoonize::bench
