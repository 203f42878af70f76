"""The pipelines as installed: `meson install --tags pipelines` into a
temporary DESTDIR, then the cartoonize-* links in bin/ run (they find their
helper next to the real script) and cartoonize a photo with the plugin
GStreamer finds."""
import os
import shutil
import subprocess
import unittest

import pipetest as pt

BUILD = os.environ.get('CARTOONIZE_BUILD_ROOT', os.path.join(pt.SOURCE_ROOT, 'build'))


class Installed(pt.TempDirCase):
    def setUp(self):
        super().setUp()
        meson = shutil.which('meson') or os.path.join(pt.SOURCE_ROOT, '.venv', 'bin', 'meson')
        if not os.access(meson, os.X_OK):
            self.skipTest('meson not found')
        self.dest = self.path('dest')
        proc = subprocess.run([meson, 'install', '-C', BUILD, '--no-rebuild', '--quiet', '--tags', 'pipelines',
                               '--destdir', self.dest], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        bins = [os.path.join(d, f) for d, _, fs in os.walk(self.dest) for f in fs
                if f.startswith('cartoonize-') and os.path.basename(d) == 'bin']
        self.bin = {os.path.basename(b)[len('cartoonize-'):]: b for b in bins}

    def test_every_script_is_linked_and_answers_help(self):
        self.assertEqual(sorted(self.bin), sorted(['webcam', 'virtual-camera', 'stream', 'transcode',
                                                   'transcode-dir', 'stills', 'slurm-submit']))
        for name, path in self.bin.items():
            self.assertTrue(os.path.islink(path), path)
            proc = subprocess.run([path, '--help'], capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, f'{name}: {proc.stderr}')
            self.assertIn('usage:', proc.stdout)

    def test_installed_stills_cartoonizes(self):
        photos = self.path('photos')
        os.makedirs(photos)
        shutil.copy(pt.GROUP, photos)
        proc = subprocess.run([self.bin['stills'], '--device', 'cpu', '--max-width', '640', photos, self.path('out')],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('3 face(s)', proc.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
