"""pipelines/stream against real servers on loopback: nginx with the RTMP
module (Debian's libnginx-mod-rtmp) on a free port with its own config, read
back with rtmp2src ! flvdemux (librtmp's rtmpsrc crashes when stopped mid-stream); and an srtsrc listener. Frames must arrive,
decodable, at the size sent."""
import os
import shutil
import subprocess
import time
import unittest

import pipetest as pt
from pipetest import Gst

NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so'


class Receiver:
    """A pipeline in this process that decodes what arrives and counts frames."""

    def __init__(self, source):
        self.frames = 0
        self.size = None
        self.pipeline = Gst.parse_launch(
            f'{source} ! h264parse ! avdec_h264 ! videoconvert ! fakesink name=sink sync=false signal-handoffs=true')
        self.pipeline.get_by_name('sink').connect('handoff', self._frame)
        self.pipeline.set_state(Gst.State.PLAYING)

    def _frame(self, _sink, _buf, pad):
        if self.size is None:
            s = pad.get_current_caps().get_structure(0)
            self.size = (s.get_value('width'), s.get_value('height'))
        self.frames += 1

    def wait_for(self, frames, timeout):
        end = time.monotonic() + timeout
        while self.frames < frames and time.monotonic() < end:
            time.sleep(0.1)

    def errors(self):
        msg = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        return msg.parse_error()[0].message if msg else None

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


class Stream(pt.TempDirCase):
    def setUp(self):
        super().setUp()
        self.clip = pt.make_clip(self.path('in.mp4'), seconds=2, audio=False, size=(320, 240))
        self.sent = pt.Streams(self.clip).frames

    def stream(self, *outputs):
        return pt.run('stream', '--source', self.clip, '--size', '320x240', '--device', 'cpu',
                      '--keyframe-interval', '10', *outputs, timeout=90)

    def test_help(self):
        out = pt.run('stream', '--help').stdout
        for opt in ('--rtmp', '--srt', '--encoder', '--bitrate'):
            self.assertIn(opt, out)

    def test_needs_an_output_and_a_valid_url(self):
        self.assertEqual(pt.run('stream', '--source', self.clip, check=False).returncode, 2)
        proc = pt.run('stream', '--source', self.clip, '--rtmp', 'http://x/y', check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('--rtmp', proc.stderr)

    def test_rtmp_to_nginx(self):
        if not (os.access(NGINX, os.X_OK) and os.path.exists(RTMP_MODULE)):
            self.skipTest('nginx with libnginx-mod-rtmp is not installed')
        port = pt.free_port()
        conf = self.path('nginx.conf')
        with open(conf, 'w') as f:
            f.write(f'''daemon off;
master_process off;
pid {self.path("nginx.pid")};
error_log {self.path("error.log")} info;
load_module {RTMP_MODULE};
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}
''')
        nginx = subprocess.Popen([NGINX, '-c', conf, '-p', self.tmp, '-e', self.path('error.log')],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 preexec_fn=pt.die_with_parent)
        self.addCleanup(nginx.stderr.close)
        self.addCleanup(nginx.wait, 10)
        self.addCleanup(nginx.terminate)
        pt.wait_for_port(port, nginx)
        url = f'rtmp://127.0.0.1:{port}/live/cartoon'
        # The viewer waits for the publisher: nginx-rtmp sends it the codec headers on publish.
        rx = Receiver(f"rtmp2src location={url} ! flvdemux")
        self.addCleanup(rx.stop)
        self.stream('--rtmp', url)
        rx.wait_for(self.sent // 2, timeout=20)
        self.assertIsNone(rx.errors())
        self.assertGreaterEqual(rx.frames, self.sent // 2, f'{rx.frames} of {self.sent} frames arrived')
        self.assertEqual(rx.size, (320, 240))

    def test_srt_caller_to_listener(self):
        port = pt.free_port()
        rx = Receiver(f'srtsrc uri=srt://:{port} mode=listener ! tsdemux')
        self.addCleanup(rx.stop)
        time.sleep(0.5)  # the listener binds when the pipeline starts
        self.stream('--srt', f'srt://127.0.0.1:{port}')
        rx.wait_for(self.sent // 2, timeout=20)
        self.assertIsNone(rx.errors())
        self.assertGreaterEqual(rx.frames, self.sent // 2, f'{rx.frames} of {self.sent} frames arrived')
        self.assertEqual(rx.size, (320, 240))


if __name__ == '__main__':
    unittest.main(verbosity=2)
