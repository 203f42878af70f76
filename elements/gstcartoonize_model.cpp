// Loading the element's model: at start(), and on a worker thread when
// model-location, style or a load setting (inference-size, input-range,
// cuda-graphs) changes while running (the old model keeps processing frames
// until the new one is ready; a bad file keeps the old one).
#include "gstcartoonize_private.h"

using namespace cartoonize_element;

cartoonize::EngineOptions gst_cartoonize_engine_options(GstCartoonize* self, const Settings& s) {
  cartoonize::EngineOptions options;
  options.device = s.device == GST_CARTOONIZE_DEVICE_CPU    ? cartoonize::DeviceChoice::Cpu
                   : s.device == GST_CARTOONIZE_DEVICE_CUDA ? cartoonize::DeviceChoice::Cuda
                                                            : cartoonize::DeviceChoice::Auto;
  // quality=auto: the student where the CPU runs it, the style's own model on
  // CUDA (device=auto goes to CUDA exactly when a GPU is available).
  const bool on_cuda = options.device == cartoonize::DeviceChoice::Cuda ||
                       (options.device == cartoonize::DeviceChoice::Auto && cartoonize::cuda_available());
  const bool fast = s.quality == GST_CARTOONIZE_QUALITY_FAST || (s.quality == GST_CARTOONIZE_QUALITY_AUTO && !on_cuda);
  // An explicit model-location overrides the style (and quality).
  options.model_path = !s.model_location.empty() ? s.model_location
                       : fast                    ? style_student_path(s.style)
                                                 : style_model_path(s.style);
  options.inference_size = s.inference_size;
  options.cuda_graphs = s.cuda_graphs;
  // The engine outlives no element: it lives in the element's state.
  options.on_warning = [self](const std::string& message) { GST_WARNING_OBJECT(self, "%s", message.c_str()); };
  if (s.input_range == GST_CARTOONIZE_RANGE_MINUS_ONE_ONE)
    options.normalization = cartoonize::Normalization::MinusOneOne;
  else if (s.input_range == GST_CARTOONIZE_RANGE_ZERO_ONE)
    options.normalization = cartoonize::Normalization::ZeroOne;
  return options;
}

static std::unique_ptr<cartoonize::Engine> try_load(const cartoonize::EngineOptions& options, std::string* error) {
  try {
    return cartoonize::Engine::create(options);
  } catch (const std::exception& e) {
    *error = e.what();
  } catch (...) {
    *error = "unknown error while loading the model";
  }
  return nullptr;
}

// The style's own model when `options` runs the style's student (quality
// fast, or auto on the CPU, and no model-location): what a student that
// cannot be loaded gives way to. "" otherwise.
static std::string student_fallback(const Settings& s, const cartoonize::EngineOptions& options) {
  if (!s.model_location.empty()) return "";
  const std::string full = style_model_path(s.style);
  return options.model_path != full ? full : "";
}

// try_load, and when the style's student fails to load (damaged, truncated,
// unreadable: any load error but a device's), the style's own model with a
// bus warning naming the file and why. `options` ends as what was tried last.
static std::unique_ptr<cartoonize::Engine> try_load_style(GstCartoonize* self, const Settings& s,
                                                          cartoonize::EngineOptions& options, std::string* error) {
  auto engine = try_load(options, error);
  const std::string full = student_fallback(s, options);
  if (engine || full.empty() || error->rfind("device=cuda", 0) == 0) return engine;
  GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ,
                      ("%s; style %s runs its own model instead", error->c_str(), style_nick(s.style).c_str()),
                      ("the student %s cannot be loaded: falling back to %s", options.model_path.c_str(), full.c_str()));
  options.model_path = full;
  return try_load(options, error);
}

std::unique_ptr<cartoonize::Engine> gst_cartoonize_load_engine(GstCartoonize* self, const Settings& s,
                                                               cartoonize::EngineOptions& options) {
  std::string error;
  auto engine = try_load_style(self, s, options, &error);
  if (!engine) {
    // The engine checks the file before the device: blame the device only
    // when its message is the device's.
    if (options.device == cartoonize::DeviceChoice::Cuda && error.rfind("device=cuda", 0) == 0)
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("%s", error.c_str()), ("device=cuda"));
    else
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", error.c_str()),
                        ("model-location=%s", options.model_path.c_str()));
    return nullptr;
  }
  GST_INFO_OBJECT(self, "loaded model %s on %s (%s, width %d, trained at %d px)", options.model_path.c_str(),
                  engine->device_name().c_str(),
                  engine->model_info().format == cartoonize::ModelFormat::Native ? "ctzm" : "TorchScript",
                  engine->model_info().width, engine->model_info().input_size);
  return engine;
}

// The settings read when a model is loaded, beside its path and device:
// changed while running, they reload the model (inference-size, input-range,
// cuda-graphs).
static bool same_load_settings(const cartoonize::EngineOptions& a, const cartoonize::EngineOptions& b) {
  return a.inference_size == b.inference_size && a.normalization == b.normalization &&
         a.cuda_graphs == b.cuda_graphs;
}

static void install_engine(GstCartoonize* self, std::unique_ptr<cartoonize::Engine> engine,
                           const cartoonize::EngineOptions& options);

// The loader's job: load `location` with the current settings, then swap it
// in between two frames. Runs on the loader thread. When the file fails and
// a load setting changed, the model already running is reloaded with the
// new settings, so that what g_object_get reads is what runs.
static void swap_model(GstCartoonize* self, const std::string& location) {
  Settings s;
  {
    std::lock_guard<std::mutex> lock(*self->settings_lock);
    s = *self->settings;
  }
  s.model_location = location;
  cartoonize::EngineOptions options = gst_cartoonize_engine_options(self, s);
  std::string error;
  std::unique_ptr<cartoonize::Engine> engine = try_load_style(self, s, options, &error);
  if (engine) {
    install_engine(self, std::move(engine), options);
    return;
  }
  GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ, ("%s", error.c_str()),
                      ("model-location=%s: keeping the model already loaded", options.model_path.c_str()));
  cartoonize::EngineOptions again = options;
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    if (!self->state->engine) return;  // stopping
    if (same_load_settings(self->state->engine_options, options)) return;
    again.model_path = self->state->engine_options.model_path;
  }
  engine = try_load(again, &error);
  if (!engine) {
    GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ, ("%s", error.c_str()),
                        ("reloading %s with the new settings failed: keeping it as it was", again.model_path.c_str()));
    return;
  }
  install_engine(self, std::move(engine), again);
}

// Swaps `engine` in between two frames and posts model-updated.
static void install_engine(GstCartoonize* self, std::unique_ptr<cartoonize::Engine> engine,
                           const cartoonize::EngineOptions& options) {
  {
    std::lock_guard<std::mutex> lock(*self->state_lock);
    if (!self->state->engine) return;  // stopping: stop() clears the state after us
    std::swap(self->state->engine, engine);
    self->state->engine_options = options;
    self->state->latency.restart();  // the new model's time is measured afresh
  }
  engine.reset();  // the old model, freed outside the lock
  GST_INFO_OBJECT(self, "model swapped to %s", options.model_path.c_str());
  gst_element_post_message(GST_ELEMENT(self),
                           gst_message_new_element(GST_OBJECT(self),
                                                   gst_structure_new("model-updated", "location", G_TYPE_STRING,
                                                                     options.model_path.c_str(), nullptr)));
}

void gst_cartoonize_start_model_loader(GstCartoonize* self) {
  self->loader->start([self](const std::string& location) { swap_model(self, location); });
}

gint64 gst_cartoonize_max_pixels(const FrameSettings& fs, const cartoonize::Engine& engine) {
  if (fs.max_pixels > 0) return fs.max_pixels;
  return engine.on_cuda() ? kMaxPixelsCuda : kMaxPixelsCpu;
}
