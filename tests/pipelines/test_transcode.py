"""pipelines/transcode on short clips of the bundled sample: every frame comes
out cartoonized in the codec asked for, the AAC audio bytes come out
identical (copied, not re-encoded), and bad inputs and options fail with a
message and leave nothing behind."""
import os
import re
import unittest

import pipetest as pt


class Transcode(pt.TempDirCase):
    @classmethod
    def setUpClass(cls):
        cls.clips = pt.tempfile.TemporaryDirectory(prefix='ctz-clips-')
        cls.with_audio = pt.make_clip(os.path.join(cls.clips.name, 'talk.mp4'), seconds=2)
        cls.silent = pt.make_clip(os.path.join(cls.clips.name, 'silent.mp4'), seconds=1, audio=False)
        cls.source = pt.Streams(cls.with_audio)

    @classmethod
    def tearDownClass(cls):
        cls.clips.cleanup()

    def transcode(self, src, out, *args, check=True):
        return pt.run('transcode', src, out, '--device', 'cpu', *args, check=check)

    def assert_nothing_left(self):
        self.assertEqual(os.listdir(self.tmp), [], 'no output and no temporary file may remain')

    def test_help(self):
        out = pt.run('transcode', '--help').stdout
        for word in ('--container', '--codec', '--duration', 'mp4', 'webm', 'copied'):
            self.assertIn(word, out)

    def test_mp4_h264_keeps_the_audio_bytes(self):
        out = self.path('out.mp4')
        proc = self.transcode(self.with_audio, out)
        got = pt.Streams(out)
        self.assertIn('video/x-h264', got.video_caps)
        self.assertEqual(got.frames, self.source.frames)
        self.assertEqual((got.width, got.height), (256, 256))
        self.assertIsNotNone(got.audio_caps)
        self.assertEqual(bytes(got.audio), bytes(self.source.audio))
        # Progress lines, the last one at the full duration.
        lines = re.findall(r'progress: ([0-9.]+) / ([0-9.]+) s \((\d+)%\)', proc.stderr)
        self.assertTrue(lines, proc.stderr)
        self.assertEqual(lines[-1][2], '100')
        self.assertEqual(sorted(os.listdir(self.tmp)), ['out.mp4'])

    def test_mkv_vp9_with_audio_and_scaling(self):
        out = self.path('out.mkv')
        self.transcode(self.with_audio, out, '--size', '160x120', '--quiet')
        got = pt.Streams(out)
        self.assertIn('video/x-vp9', got.video_caps)
        self.assertEqual(got.frames, self.source.frames)
        self.assertEqual((got.width, got.height), (160, 120))
        self.assertEqual(bytes(got.audio), bytes(self.source.audio))

    def test_webm_vp9_without_audio(self):
        out = self.path('out.webm')
        self.transcode(self.silent, out, '--quiet')
        got = pt.Streams(out)
        self.assertIn('video/x-vp9', got.video_caps)
        self.assertIsNone(got.audio_caps)
        self.assertEqual(got.frames, pt.Streams(self.silent).frames)

    def test_duration_cuts_a_preview(self):
        out = self.path('preview.mp4')
        self.transcode(self.with_audio, out, '--duration', '1', '--quiet')
        got = pt.Streams(out)
        self.assertLess(abs(got.frames - self.source.frames / 2), 3, got.frames)
        self.assertLess(len(got.audio), 0.6 * len(self.source.audio))

    def test_aac_cannot_go_into_webm_without_reencoding(self):
        proc = self.transcode(self.with_audio, self.path('out.webm'), check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn('mkv', proc.stderr)
        self.assert_nothing_left()

    def test_missing_input(self):
        proc = self.transcode(self.path('nope.mp4'), self.path('out.mp4'), check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn('nope.mp4', proc.stderr)
        self.assert_nothing_left()

    def test_input_that_is_not_a_video(self):
        bogus = os.path.join(self.clips.name, 'bogus.mp4')
        with open(bogus, 'wb') as f:
            f.write(os.urandom(4096))
        proc = self.transcode(bogus, self.path('out.mp4'), check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn('bogus.mp4', proc.stderr)
        self.assert_nothing_left()

    def test_existing_output_is_kept_without_force(self):
        out = self.path('out.mp4')
        with open(out, 'w') as f:
            f.write('precious')
        proc = self.transcode(self.silent, out, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn('--force', proc.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), 'precious')

    def test_bad_options(self):
        for args in (['--codec', 'h264'], ['--size', 'big']):
            proc = self.transcode(self.silent, self.path('out.webm'), *args, check=False)
            self.assertEqual(proc.returncode, 2, args)
        proc = self.transcode(self.silent, self.path('out.avi'), check=False)
        self.assertEqual(proc.returncode, 2)
        self.assert_nothing_left()

    def test_options_the_video_chain_cannot_take_fail_before_anything_is_written(self):
        # Before: --size 0x0 wrote an audio-only file and said "wrote" (the
        # chain's error was raised in a callback and lost), an out-of-range
        # value was a GLib warning and ignored, --duration nan/inf never ended.
        cases = [('mp4', '--size', '0x0'), ('mp4', '--duration', 'nan'), ('mp4', '--duration', 'inf'),
                 ('mp4', '--duration', '0'), ('mp4', '--strength', '1.5'), ('mp4', '--strength', 'nan'),
                 ('mp4', '--quality', '51'), ('mkv', '--quality', '64'), ('mkv', '--threads', '65'),
                 ('mp4', '--threads', '-1')]
        for i, (ext, option, value) in enumerate(cases):
            with self.subTest(option=option, value=value):
                folder = self.path(str(i))  # one per case: a case's leftover fails only that case
                os.makedirs(folder)
                # --duration 1: the old code is quick to show what it did wrong.
                extra = [] if option == '--duration' else ['--duration', '1']
                proc = pt.run('transcode', self.with_audio, os.path.join(folder, 'out.' + ext), '--device', 'cpu',
                              '--quiet', option, value, *extra, check=False, timeout=60)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertIn(option, proc.stderr.strip().splitlines()[-1])
                self.assertNotIn('Traceback', proc.stderr)
                self.assertEqual(os.listdir(folder), [], 'no output and no temporary file may remain')

    def test_model_path_with_quotes_and_spaces(self):
        # Before: the path went into a pipeline description in quotes, the
        # chain failed to parse in a callback, and the "done" output had no video.
        model = os.path.join(self.clips.name, 'my "ink" model.ctzm')
        os.symlink(os.path.join(pt.SOURCE_ROOT, 'models', 'styles', 'ink.ctzm'), model)
        out = self.path('out.mp4')
        self.transcode(self.with_audio, out, '--model', model, '--duration', '1', '--quiet')
        got = pt.Streams(out)
        self.assertLess(abs(got.frames - self.source.frames / 2), 3, got.frames)
        self.assertIsNotNone(got.audio_caps)


if __name__ == '__main__':
    unittest.main(verbosity=2)
