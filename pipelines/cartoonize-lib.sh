# Shared by the pipelines/ scripts (sourced, not run): option parsing for the
# element's settings, the video source and the check that GStreamer finds the
# plugin. Pipelines are built as bash arrays and handed to gst-launch-1.0 as
# separate arguments, so paths with spaces survive (gst_parse_launchv escapes
# each argument).

ctz_prog=$(basename "$0")
ctz_die() { echo "$ctz_prog: $*" >&2; exit 1; }

# Settings of the cartoonize element, set by ctz_common_option.
ctz_mode=face
ctz_device=auto
ctz_model=""
ctz_strength=""
ctz_width=""
ctz_height=""

ctz_common_usage() {
  cat <<USAGE
  --mode face|frame|both   what is cartoonized (default: face)
  --device auto|cpu|cuda   where the network runs (default: auto = CUDA if usable, else CPU)
  --model FILE             a .ctzm model (default: the model installed with the plugin)
  --strength X             blend of input (0) and cartoon (1) (default: the element's, 1)
  --size WxH               scale the video to WxH before cartoonizing (e.g. 640x480)
USAGE
}

# ctz_common_option OPTION VALUE: handles one of the options above and sets
# ctz_shift to the number of arguments used; returns 1 for an unknown option.
ctz_common_option() {
  ctz_shift=2
  case "$1" in
    --mode) ctz_need_value "$@"; case "$2" in face|frame|both) ctz_mode=$2 ;; *) ctz_die "--mode: face, frame or both, not '$2'" ;; esac ;;
    --device) ctz_need_value "$@"; case "$2" in auto|cpu|cuda) ctz_device=$2 ;; *) ctz_die "--device: auto, cpu or cuda, not '$2'" ;; esac ;;
    --model) ctz_need_value "$@"; [ -r "$2" ] || ctz_die "--model: cannot read '$2'"; ctz_model=$2 ;;
    --strength) ctz_need_value "$@"; ctz_strength=$2 ;;
    --size) ctz_need_value "$@"
      [[ "$2" =~ ^([0-9]+)x([0-9]+)$ ]] || ctz_die "--size: WIDTHxHEIGHT, not '$2'"
      ctz_width=${BASH_REMATCH[1]}; ctz_height=${BASH_REMATCH[2]} ;;
    *) return 1 ;;
  esac
}
ctz_need_value() { [ $# -ge 2 ] && [ -n "$2" ] || ctz_die "$1 needs a value"; }

# ctz_require ELEMENT...: stops with a hint when GStreamer lacks an element.
ctz_require() {
  local e
  for e in "$@"; do
    gst-inspect-1.0 "$e" >/dev/null 2>&1 && continue
    if [ "$e" = cartoonize ]; then
      ctz_die "GStreamer does not find the 'cartoonize' element. From the source tree run the script inside
'meson devenv -C build' (or set GST_PLUGIN_PATH=<build>/plugin); after 'meson install' check the
install prefix is GStreamer's. 'gst-inspect-1.0 cartoonize' must list it; see docs/troubleshooting.md."
    fi
    ctz_die "GStreamer element '$e' is missing (gst-inspect-1.0 $e); install the Debian package that has it (see docs/pipelines.md)"
  done
}

# ctz_cartoonize: appends the element with its settings to the array ctz_chain.
ctz_cartoonize() {
  ctz_chain+=(cartoonize "mode=$ctz_mode" "device=$ctz_device")
  [ -n "$ctz_model" ] && ctz_chain+=("model-location=$ctz_model")
  [ -n "$ctz_strength" ] && ctz_chain+=("strength=$ctz_strength")
  return 0
}

# ctz_scale: appends videoscale to --size (aspect ratio kept with borders) to ctz_chain.
ctz_scale() {
  [ -n "$ctz_width" ] || return 0
  ctz_chain+=(! videoscale add-borders=true ! "video/x-raw,width=$ctz_width,height=$ctz_height,pixel-aspect-ratio=1/1")
}

# ctz_source SPEC: appends a raw-video source to ctz_chain. SPEC is a camera
# (/dev/videoN), 'test' (a moving test pattern) or a video file.
ctz_source() {
  local spec=$1
  if [ "$spec" = test ]; then
    ctz_chain+=(videotestsrc is-live=true pattern=ball ! "video/x-raw,framerate=30/1")
  elif [[ "$spec" == /dev/* ]]; then
    [ -c "$spec" ] || ctz_die "no camera at $spec (cameras here: $(ls /dev/video* 2>/dev/null | tr '\n' ' ' || true))"
    [ -r "$spec" ] || ctz_die "cannot open $spec: no permission (add yourself to the 'video' group)"
    # Cameras give raw video or MJPEG; decodebin takes either.
    ctz_chain+=(v4l2src "device=$spec" ! decodebin)
  else
    [ -f "$spec" ] && [ -r "$spec" ] || ctz_die "cannot read the input file '$spec'"
    # gst-launch links decodebin's video pad here; an audio pad stays unlinked.
    ctz_chain+=(filesrc "location=$spec" ! decodebin)
  fi
  ctz_chain+=(! videoconvert)
  ctz_scale
}

# ctz_launch: runs the pipeline in ctz_chain; -e turns Ctrl-C into a clean end
# of stream so files are finalized.
ctz_launch() {
  exec gst-launch-1.0 -e "${ctz_chain[@]}"
}
