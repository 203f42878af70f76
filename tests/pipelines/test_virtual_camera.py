"""pipelines/virtual-camera: CI has no v4l2loopback module, so the same chain
runs from a file into fakesink and into a Matroska file (what the loopback device
would get: YUY2 at --size); a missing loopback device fails with the modprobe line."""
import unittest

import pipetest as pt


class VirtualCamera(pt.TempDirCase):
    def test_help_documents_the_module(self):
        out = pt.run('virtual-camera', '--help').stdout
        self.assertIn('modprobe v4l2loopback', out)
        self.assertIn('exclusive_caps=1', out)

    def test_file_source_into_a_file_sink(self):
        got = self.run_live_script_on_a_file('virtual-camera', 'cam.mkv')
        self.assertIn('format=(string)YUY2', got.video_caps)

    def test_file_source_into_fakesink(self):
        clip = pt.make_clip(self.path('in.mp4'), seconds=1, audio=False)
        proc = pt.run('virtual-camera', '--source', clip, '--size', '160x120', '--sink', 'fakesink')
        self.assertIn('EOS', proc.stdout)

    def test_missing_loopback_device_explains_modprobe(self):
        proc = pt.run('virtual-camera', '--source', pt.TALKING, '--sink', '/dev/video-none', check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('modprobe v4l2loopback', proc.stderr)

    def test_unreadable_source_fails(self):
        proc = pt.run('virtual-camera', '--source', self.path('missing.mp4'), '--sink', 'fakesink', check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('missing.mp4', proc.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
