#pragma once
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_CARTOONIZE (gst_cartoonize_get_type())
G_DECLARE_FINAL_TYPE(GstCartoonize, gst_cartoonize, GST, CARTOONIZE, GstVideoFilter)

// Where the element looks for its model when model-location is unset:
// $CARTOONIZE_DEFAULT_MODEL (meson devenv sets it to the source tree's
// models/default.ctzm), else the installed data dir.
const gchar* gst_cartoonize_default_model_path(void);

GST_ELEMENT_REGISTER_DECLARE(cartoonize);

G_END_DECLS
