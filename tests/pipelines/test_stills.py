"""pipelines/stills on the bundled group photo and a picture without faces:
faces are found and cartoonized, a photo without a face comes out
pixel-identical and is reported, frame mode changes the whole picture,
broken files are reported without stopping the rest, a rerun skips."""
import os
import shutil
import unittest

import pipetest as pt


class Stills(pt.TempDirCase):
    def setUp(self):
        super().setUp()
        self.src = self.path('photos')
        self.out = self.path('cartoons')
        os.makedirs(os.path.join(self.src, 'trip'))
        shutil.copy(pt.GROUP, os.path.join(self.src, 'trip', 'group.jpg'))
        pt.write_pattern(os.path.join(self.src, 'pattern.png'))

    def stills(self, *args, check=True):
        return pt.run('stills', '--device', 'cpu', *args, self.src, self.out, check=check)

    def test_help(self):
        out = pt.run('stills', '--help').stdout
        for opt in ('--format', '--mode', '--max-width'):
            self.assertIn(opt, out)

    def test_face_mode_png(self):
        # dlib's detector needs faces of ~80 px: the sample's are at 640 px wide.
        proc = self.stills('--max-width', '640')
        self.assertIn('group.jpg: 3 face(s)', proc.stderr)
        self.assertIn('pattern.png: no face found', proc.stderr)
        w, h, cartoon = pt.rgb(os.path.join(self.out, 'trip', 'group.png'))
        self.assertEqual((w, h), (640, 427))  # the 3:2 photo shrunk to 640 wide
        # Only the faces change: a few percent of the pixels, not none, not most.
        scaled = self.path('scaled.png')
        pt.play(f'filesrc location="{pt.GROUP}" ! jpegdec ! videoconvert ! videoscale '
                f'! video/x-raw,width=640,height=427 ! videoconvert ! pngenc ! filesink location="{scaled}"')
        _, _, original = pt.rgb(scaled)
        changed = sum(1 for i in range(0, len(original), 3)
                      if max(abs(cartoon[i + c] - original[i + c]) for c in range(3)) > 24)
        self.assertGreater(changed / (w * h), 0.005)
        self.assertLess(changed / (w * h), 0.5)
        # The picture without a face is written unchanged.
        self.assertEqual(pt.rgb(os.path.join(self.out, 'pattern.png')),
                         pt.rgb(os.path.join(self.src, 'pattern.png')))
        proc = self.stills('--max-width', '640')
        self.assertIn('0 done, 2 skipped', proc.stderr)

    def test_frame_mode_jpeg_changes_the_picture(self):
        os.remove(os.path.join(self.src, 'trip', 'group.jpg'))
        self.stills('--mode', 'frame', '--format', 'jpeg')
        out = os.path.join(self.out, 'pattern.jpg')
        with open(out, 'rb') as f:
            self.assertEqual(f.read(2), b'\xff\xd8')  # a JPEG
        w, h, cartoon = pt.rgb(out)
        self.assertEqual((w, h), (320, 240))
        _, _, original = pt.rgb(os.path.join(self.src, 'pattern.png'))
        diff = sum(abs(a - b) for a, b in zip(cartoon, original)) / len(original)
        self.assertGreater(diff, 1.0, 'frame mode must change the picture')

    def test_broken_photo_is_reported_and_the_rest_done(self):
        with open(os.path.join(self.src, 'broken.jpg'), 'wb') as f:
            f.write(b'\xff\xd8\xff\xe0' + b'\0' * 100)
        proc = self.stills('--max-width', '320', '--mode', 'frame', check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn('broken.jpg', proc.stderr)
        self.assertIn('2 done, 0 skipped (already done), 1 failed', proc.stderr)
        self.assertEqual(sorted(os.listdir(self.out)), ['pattern.png', 'trip'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
