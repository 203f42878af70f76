// The one exception type core/ throws. LibTorch's c10::Error and std errors are
// translated into it at core's boundary so callers (the element, the trainer)
// catch one thing and always get a message a user can act on.
#pragma once
#include <stdexcept>
#include <string>

namespace cartoonize {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cartoonize
