// GEnum types of the element's properties (shown by gst-inspect-1.0).
#pragma once
#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  GST_CARTOONIZE_DEVICE_AUTO,
  GST_CARTOONIZE_DEVICE_CPU,
  GST_CARTOONIZE_DEVICE_CUDA,
} GstCartoonizeDevice;

typedef enum {
  GST_CARTOONIZE_MODE_FRAME,
  GST_CARTOONIZE_MODE_FACE,
  GST_CARTOONIZE_MODE_BOTH,
} GstCartoonizeMode;

typedef enum {
  GST_CARTOONIZE_RANGE_AUTO,
  GST_CARTOONIZE_RANGE_MINUS_ONE_ONE,
  GST_CARTOONIZE_RANGE_ZERO_ONE,
} GstCartoonizeInputRange;

typedef enum {
  GST_CARTOONIZE_DETECTOR_HOG,
  GST_CARTOONIZE_DETECTOR_TINY,
  GST_CARTOONIZE_DETECTOR_AUTO,
} GstCartoonizeDetector;

// Which model of a style runs: its own (full) or its distilled student (fast).
typedef enum {
  GST_CARTOONIZE_QUALITY_AUTO,
  GST_CARTOONIZE_QUALITY_FAST,
  GST_CARTOONIZE_QUALITY_FULL,
} GstCartoonizeQuality;

GType gst_cartoonize_device_get_type(void);
GType gst_cartoonize_mode_get_type(void);
GType gst_cartoonize_input_range_get_type(void);
GType gst_cartoonize_detector_get_type(void);
GType gst_cartoonize_quality_get_type(void);
#define GST_TYPE_CARTOONIZE_DEVICE (gst_cartoonize_device_get_type())
#define GST_TYPE_CARTOONIZE_DETECTOR (gst_cartoonize_detector_get_type())
#define GST_TYPE_CARTOONIZE_MODE (gst_cartoonize_mode_get_type())
#define GST_TYPE_CARTOONIZE_INPUT_RANGE (gst_cartoonize_input_range_get_type())
#define GST_TYPE_CARTOONIZE_QUALITY (gst_cartoonize_quality_get_type())

G_END_DECLS
