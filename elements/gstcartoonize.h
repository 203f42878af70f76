#pragma once
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_CARTOONIZE (gst_cartoonize_get_type())
G_DECLARE_FINAL_TYPE(GstCartoonize, gst_cartoonize, GST, CARTOONIZE, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE(cartoonize);

G_END_DECLS
