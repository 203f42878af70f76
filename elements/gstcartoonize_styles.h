// Styles: the model files of the style folder ($CARTOONIZE_STYLE_DIR, else
// the installed pkgdatadir/styles), offered as the `style` enum. The folder
// is scanned once, when the enum type is registered (element class init), so
// gst-inspect-1.0 lists what is installed.
#pragma once
#include <glib-object.h>

#include <string>

// Set by elements/meson.build (prefix and the meson option default_style).
#ifndef CARTOONIZE_MODEL_DIR
#define CARTOONIZE_MODEL_DIR "/usr/local/share/gst-cartoonize"
#endif
#ifndef CARTOONIZE_DEFAULT_STYLE
#define CARTOONIZE_DEFAULT_STYLE "anime"
#endif

G_BEGIN_DECLS
GType gst_cartoonize_style_get_type(void);
#define GST_TYPE_CARTOONIZE_STYLE (gst_cartoonize_style_get_type())
G_END_DECLS

namespace cartoonize_element {

// The style folder as the environment says now.
std::string style_dir();
// The folder the style folder lives in, with face-api/ beside it.
std::string data_dir();
// Enum value of the default style (the meson option default_style); always
// a value of the enum, even when its file is not installed.
gint default_style();
// The nick of `style` ("" when it is no value of the enum).
std::string style_nick(gint style);
// The model file of `style`: for the default style $CARTOONIZE_DEFAULT_MODEL
// when set, else STYLE_DIR/NICK.ctzm. Empty when `style` is no value.
std::string style_model_path(gint style);
// The style's distilled student, STYLE_DIR/fast/NICK.ctzm, when that file
// exists and $CARTOONIZE_DEFAULT_MODEL does not name the default style's
// file; else style_model_path(style) (a style without a student runs in full).
std::string style_student_path(gint style);

}  // namespace cartoonize_element
