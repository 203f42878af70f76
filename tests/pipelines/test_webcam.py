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
        self.run_live_script_on_a_file('webcam', 'out.y4m')

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
