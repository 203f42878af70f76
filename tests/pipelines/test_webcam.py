"""pipelines/webcam: no camera in CI, so the cartoonized chain runs on a file
source into a Y4M file; a missing camera and bad options fail clearly."""
import unittest

import pipetest as pt


class Webcam(pt.TempDirCase):
    def test_help(self):
        out = pt.run('webcam', '--help').stdout
        for opt in ('--camera', '--mode', '--device', '--sink', '--size'):
            self.assertIn(opt, out)

    def test_file_source_is_cartoonized_into_the_sink(self):
        clip = pt.make_clip(self.path('in.mp4'), seconds=1, audio=False)
        out = self.path('out.y4m')
        pt.run('webcam', '--source', clip, '--size', '320x240', '--device', 'cpu', '--sink', out)
        got = pt.Streams(out)
        self.assertEqual((got.width, got.height), (320, 240))
        self.assertEqual(got.frames, pt.Streams(clip).frames)

    def test_missing_camera_fails_naming_it(self):
        proc = pt.run('webcam', '--camera', '/dev/video-none', check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('/dev/video-none', proc.stderr)

    def test_bad_option_values_fail(self):
        for args in (['--mode', 'sketch'], ['--size', 'big'], ['--device', 'tpu'], ['--frobnicate']):
            proc = pt.run('webcam', *args, check=False)
            self.assertNotEqual(proc.returncode, 0, args)
            self.assertIn('webcam:', proc.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
