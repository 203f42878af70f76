"""Shared by the pipeline script tests: run a pipelines/ script, make short
test clips, and read results back with real GStreamer pipelines (frame
counts, sizes, the compressed audio payload)."""
import os
import socket
import subprocess
import tempfile
import unittest

import gi

gi.require_version('Gst', '1.0')
from gi.repository import Gst  # noqa: E402

Gst.init(None)

SOURCE_ROOT = os.environ.get('CARTOONIZE_SOURCE_ROOT',
                             os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED_DATA = os.environ.get('CARTOONIZE_SHARED_DATA', os.path.join(SOURCE_ROOT, '..', 'shared', 'data'))
TALKING = os.path.join(SOURCE_ROOT, 'pipelines', 'samples', 'talking.mp4')  # 512x512, 25 fps, AAC, 7.3 s
GROUP = os.path.join(SOURCE_ROOT, 'pipelines', 'samples', 'group.jpg')
SKIP = 77  # meson's exit code for a skipped test


def script(name):
    return os.path.join(SOURCE_ROOT, 'pipelines', name)


def run(name, *args, timeout=120, check=True):
    """Runs pipelines/NAME with ARGS; returns the CompletedProcess (text)."""
    proc = subprocess.run([script(name), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{name} {" ".join(map(str, args))} exited {proc.returncode}\n'
                             f'stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}')
    return proc


def die_with_parent():
    """preexec_fn for servers a test starts: they get SIGTERM when the test
    process dies, even by a crash, instead of staying behind."""
    import ctypes
    import signal
    ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def play(description, timeout=60):
    """Runs a pipeline to EOS; raises on an error message."""
    pipeline = Gst.parse_launch(description)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(timeout * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None:
        raise AssertionError(f'no EOS within {timeout} s: {description}')
    if msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        raise AssertionError(f'{err.message} ({dbg}) in {description}')


def make_clip(out, seconds=2, size=(256, 256), audio=True, src=TALKING):
    """Writes the first SECONDS of SRC scaled to SIZE as H.264 MP4, with SRC's
    AAC audio copied (when AUDIO): a short input for the tests."""
    w, h = size
    desc = (f'filesrc location="{src}" ! qtdemux name=d '
            f'd.video_0 ! queue name=cut0 ! decodebin ! videoconvert ! videoscale ! video/x-raw,width={w},height={h} '
            f'! x264enc speed-preset=ultrafast key-int-max=25 ! h264parse ! queue ! mp4mux name=m '
            f'! filesink location="{out}" ')
    if audio:
        desc += 'd.audio_0 ! queue name=cut1 ! aacparse ! m. '
    pipeline = Gst.parse_launch(desc)
    # Each stream ends at SECONDS: its first later buffer is dropped and turned into EOS.
    limit = int(seconds * Gst.SECOND)

    def cut(pad, info):
        if info.get_buffer().pts < limit:
            return Gst.PadProbeReturn.OK
        pad.send_event(Gst.Event.new_eos())
        return Gst.PadProbeReturn.DROP
    for name in ('cut0', 'cut1') if audio else ('cut0',):
        pipeline.get_by_name(name).get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, cut)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert msg is not None and msg.type == Gst.MessageType.EOS, f'making the test clip {out} failed'
    return out


class Streams:
    """What a media file holds, read back by decoding its video and keeping
    its audio compressed: frame count, size, caps, the audio bytes."""

    def __init__(self, path, demux='decodebin'):
        self.frames = 0
        self.width = self.height = None
        self.video_caps = None
        self.audio_caps = None
        self.audio = bytearray()
        self.audio_buffers = 0
        pipeline = Gst.Pipeline()
        src = Gst.ElementFactory.make('filesrc')
        src.set_property('location', path)
        # parsebin exposes elementary streams still compressed.
        parse = Gst.ElementFactory.make('parsebin')
        pipeline.add(src)
        pipeline.add(parse)
        src.link(parse)
        parse.connect('pad-added', self._pad_added, pipeline)
        pipeline.set_state(Gst.State.PLAYING)
        msg = pipeline.get_bus().timed_pop_filtered(120 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        pipeline.set_state(Gst.State.NULL)
        if msg is None or msg.type == Gst.MessageType.ERROR:
            detail = msg.parse_error()[0].message if msg else 'timeout'
            raise AssertionError(f'cannot read {path}: {detail}')

    def _pad_added(self, _parse, pad, pipeline):
        caps = pad.get_current_caps() or pad.query_caps(None)
        name = caps.get_structure(0).get_name()
        if name.startswith('video/'):
            self.video_caps = caps.to_string()
            chain = ['queue', 'decodebin', 'videoconvert', 'fakesink']
            elems = [Gst.ElementFactory.make(e) for e in chain]
            elems[-1].set_property('signal-handoffs', True)
            elems[-1].connect('handoff', self._video_frame)
            # decodebin links on its own pad-added.
            elems[1].connect('pad-added', lambda _d, p, conv=elems[2]: p.link(conv.get_static_pad('sink')))
        elif name.startswith('audio/'):
            self.audio_caps = caps.to_string()
            elems = [Gst.ElementFactory.make('queue'), Gst.ElementFactory.make('fakesink')]
            elems[-1].set_property('signal-handoffs', True)
            elems[-1].connect('handoff', self._audio_buffer)
        else:
            elems = [Gst.ElementFactory.make('fakesink')]
        elems[-1].set_property('sync', False)
        for e in elems:
            pipeline.add(e)
        for a, b in zip(elems, elems[1:]):
            if b.get_static_pad('sink') is not None and a.get_factory().get_name() != 'decodebin':
                a.link(b)
        pad.link(elems[0].get_static_pad('sink'))
        for e in elems:
            e.sync_state_with_parent()

    def _video_frame(self, _sink, buf, pad):
        if self.width is None:
            s = pad.get_current_caps().get_structure(0)
            self.width, self.height = s.get_value('width'), s.get_value('height')
        self.frames += 1

    def _audio_buffer(self, _sink, buf, _pad):
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            self.audio += info.data
            buf.unmap(info)
        self.audio_buffers += 1


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='ctz-pipelines-')
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def run_live_script_on_a_file(self, name, out_name):
        """Runs a live script (webcam, virtual-camera) on a 1 s clip into a file
        sink at 320x240; checks size and frame count; returns the Streams read back."""
        clip = make_clip(self.path('in.mp4'), seconds=1, audio=False)
        out = self.path(out_name)
        run(name, '--source', clip, '--size', '320x240', '--device', 'cpu', '--sink', out)
        got = Streams(out)
        self.assertEqual((got.width, got.height), (320, 240))
        self.assertEqual(got.frames, Streams(clip).frames)
        return got



def wait_for_port(port, proc, timeout=10):
    """Waits until something listens on 127.0.0.1:PORT; fails if PROC exits first."""
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f'server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ""}')
        with socket.socket() as s:
            if s.connect_ex(('127.0.0.1', port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f'nothing listens on port {port} after {timeout} s')


def rgb(path):
    """The first frame of an image or video file as (width, height, RGB bytes)."""
    pipeline = Gst.parse_launch(f'filesrc location="{path}" ! decodebin ! videoconvert '
                                '! video/x-raw,format=RGB ! appsink name=out')
    pipeline.set_state(Gst.State.PLAYING)
    sample = pipeline.get_by_name('out').emit('try-pull-sample', 30 * Gst.SECOND)
    pipeline.set_state(Gst.State.NULL)
    assert sample is not None, f'no frame in {path}'
    s = sample.get_caps().get_structure(0)
    w, h = s.get_value('width'), s.get_value('height')
    buf = sample.get_buffer()
    data = buf.extract_dup(0, buf.get_size())
    stride = len(data) // h
    return w, h, b''.join(data[y * stride:y * stride + 3 * w] for y in range(h))


def write_pattern(path, width=320, height=240):
    """A picture without faces (GStreamer's test pattern) as PNG."""
    play(f'videotestsrc num-buffers=1 ! video/x-raw,width={width},height={height} ! pngenc '
         f'! filesink location="{path}"')
    return path
