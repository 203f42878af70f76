// The gst-cartoonize plugin: registers its elements.
#include <gst/gst.h>

#include "gstcartoonize.h"

#define PACKAGE "gst-cartoonize"

static gboolean plugin_init(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(cartoonize, plugin); }

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, cartoonize,
                  "Cartoonizes faces and frames with LibTorch generators", plugin_init, PLUGIN_VERSION, "MIT",
                  "gst-cartoonize", "https://gst-cartoonize.invalid/")
