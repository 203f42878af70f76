#include "gstcartoonize_enums.h"

#define DEFINE_ENUM_TYPE(func, type_name, values)                     \
  GType func(void) {                                                  \
    static GType type = 0;                                            \
    if (g_once_init_enter(&type)) {                                   \
      GType t = g_enum_register_static(type_name, values);            \
      g_once_init_leave(&type, t);                                    \
    }                                                                 \
    return type;                                                      \
  }

static const GEnumValue device_values[] = {
    {GST_CARTOONIZE_DEVICE_AUTO, "CUDA when a GPU is available, else the CPU", "auto"},
    {GST_CARTOONIZE_DEVICE_CPU, "CPU", "cpu"},
    {GST_CARTOONIZE_DEVICE_CUDA, "CUDA GPU (fails to start without one)", "cuda"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(gst_cartoonize_device_get_type, "GstCartoonizeDevice", device_values)

static const GEnumValue mode_values[] = {
    {GST_CARTOONIZE_MODE_FRAME, "Cartoonize the whole frame", "frame"},
    {GST_CARTOONIZE_MODE_FACE, "Cartoonize the faces only (aligned by landmarks, pasted back)", "face"},
    {GST_CARTOONIZE_MODE_BOTH, "Whole frame, plus faces through the aligned face path", "both"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(gst_cartoonize_mode_get_type, "GstCartoonizeMode", mode_values)

static const GEnumValue range_values[] = {
    {GST_CARTOONIZE_RANGE_AUTO, "As the model file declares", "auto"},
    {GST_CARTOONIZE_RANGE_MINUS_ONE_ONE, "Pixels mapped to [-1, 1]", "minus-one-one"},
    {GST_CARTOONIZE_RANGE_ZERO_ONE, "Pixels mapped to [0, 1]", "zero-one"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(gst_cartoonize_input_range_get_type, "GstCartoonizeInputRange", range_values)

static const GEnumValue detector_values[] = {
    {GST_CARTOONIZE_DETECTOR_HOG, "dlib's HOG detector (CPU, no LibTorch)", "hog"},
    {GST_CARTOONIZE_DETECTOR_TINY, "face-api's tiny face detector in LibTorch (CPU)", "tiny"},
    {GST_CARTOONIZE_DETECTOR_AUTO, "hog (see the property's description)", "auto"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(gst_cartoonize_detector_get_type, "GstCartoonizeDetector", detector_values)

static const GEnumValue quality_values[] = {
    {GST_CARTOONIZE_QUALITY_AUTO, "fast on the CPU, full on CUDA", "auto"},
    {GST_CARTOONIZE_QUALITY_FAST, "The style's distilled student where it has one (styles/fast/NAME.ctzm)", "fast"},
    {GST_CARTOONIZE_QUALITY_FULL, "The style's own model", "full"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(gst_cartoonize_quality_get_type, "GstCartoonizeQuality", quality_values)
