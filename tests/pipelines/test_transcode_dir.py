"""pipelines/transcode-dir: a folder of short clips, two at a time; a second
run skips what is done; a run killed mid-way leaves only complete outputs
and the next run finishes the rest without redoing them; a bad file is
reported and the rest still done; two runs on one output folder share the
work through transcode's per-output locks."""
import fcntl
import os
import re
import signal
import subprocess
import time
import unittest

import pipetest as pt


class TranscodeDir(pt.TempDirCase):
    def setUp(self):
        super().setUp()
        self.src = self.path('in')
        self.out = self.path('out')
        os.makedirs(os.path.join(self.src, 'day2'))
        self.names = ['a', 'b', os.path.join('day2', 'c')]
        for n in self.names:
            pt.make_clip(os.path.join(self.src, n + '.mp4'), seconds=1, size=(128, 128), audio=(n == 'a'))
        self.outputs = [os.path.join(self.out, n + '.mkv') for n in self.names]
        self.frames = pt.Streams(os.path.join(self.src, 'a.mp4')).frames  # the clips are alike

    def run_dir(self, *args, check=True):
        return pt.run('transcode-dir', '--device', 'cpu', *args, self.src, self.out, check=check, timeout=180)

    def assert_complete(self, path):
        got = pt.Streams(path)
        self.assertEqual(got.frames, self.frames, path)
        self.assertEqual((got.width, got.height), (128, 128))

    def test_help(self):
        out = pt.run('transcode-dir', '--help').stdout
        self.assertIn('--jobs', out)

    def test_all_files_two_at_a_time_then_nothing_to_redo(self):
        self.run_dir('--jobs', '2')
        for o in self.outputs:
            self.assert_complete(o)
        stamps = [os.stat(o).st_mtime_ns for o in self.outputs]
        proc = self.run_dir('--jobs', '2')
        self.assertIn('0 to do, 3 already done', proc.stderr)
        self.assertEqual(stamps, [os.stat(o).st_mtime_ns for o in self.outputs])

    def test_killed_run_resumes(self):
        proc = subprocess.Popen([pt.script('transcode-dir'), '--device', 'cpu', '--jobs', '1', self.src, self.out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        end = time.monotonic() + 120
        while not os.path.exists(self.outputs[0]) and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        # SIGKILL to the script and its transcodes: nothing gets to clean up.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        visible = [os.path.join(d, f) for d, _, fs in os.walk(self.out) for f in fs if not f.startswith('.')]
        self.assertEqual(visible, [self.outputs[0]], 'only the finished output is visible')
        self.assert_complete(self.outputs[0])
        first = os.stat(self.outputs[0]).st_mtime_ns
        out = self.run_dir('--jobs', '2').stderr
        self.assertIn('2 to do, 1 already done', out)
        for o in self.outputs:
            self.assert_complete(o)
        self.assertEqual(os.stat(self.outputs[0]).st_mtime_ns, first)
        leftovers = [f for _, _, fs in os.walk(self.out) for f in fs if f.startswith('.')]
        self.assertEqual(leftovers, [], 'the killed run\'s temporary file is replaced and renamed')

    def test_bad_file_is_reported_and_the_rest_done(self):
        os.remove(os.path.join(self.src, 'b.mp4'))  # one good file is enough here
        with open(os.path.join(self.src, 'broken.mp4'), 'wb') as f:
            f.write(b'\0' * 2048)
        proc = self.run_dir('--jobs', '2', '--container', 'mp4', check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn('2 done, 0 skipped (already done), 0 skipped (another run has them), 1 failed', proc.stderr)
        self.assertIn('broken.mp4', proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.out, 'broken.mp4')))
        for n in ('a', os.path.join('day2', 'c')):
            self.assertTrue(os.path.exists(os.path.join(self.out, n + '.mp4')))

    def test_two_runs_on_one_folder_share_the_files(self):
        # A restart while the old run still works, or overlapping Slurm
        # tasks: both list all three files. Each file is written by exactly
        # one run; the other skips it and says so; neither fails.
        runs = [subprocess.Popen([pt.script('transcode-dir'), '--device', 'cpu', '--jobs', '1', self.src, self.out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        done = 0
        for proc in runs:
            _, err = proc.communicate(timeout=300)
            self.assertEqual(proc.returncode, 0, err)
            m = re.search(r'(\d+) done, (\d+) skipped \(already done\), (\d+) skipped \(another run has them\), '
                          r'(\d+) failed', err)
            self.assertIsNotNone(m, err)
            ran, already, taken, failed = map(int, m.groups())
            self.assertEqual(failed, 0, err)
            self.assertEqual(ran + already + taken, 3, err)
            done += ran
        self.assertEqual(done, 3, 'each file transcoded once, by one of the runs')
        for o in self.outputs:
            self.assert_complete(o)
        leftovers = [f for _, _, fs in os.walk(self.out) for f in fs if f.startswith('.')]
        self.assertEqual(leftovers, [], 'no lock or temporary file left')

    def test_transcode_skips_an_output_another_run_holds(self):
        os.makedirs(self.out)
        out = os.path.join(self.out, 'a.mkv')
        with open(os.path.join(self.out, '.a.mkv.lock'), 'w') as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            proc = pt.run('transcode', '--device', 'cpu', os.path.join(self.src, 'a.mp4'), out, check=False)
        self.assertEqual(proc.returncode, 75, proc.stderr)
        self.assertIn('another run is writing', proc.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == '__main__':
    unittest.main(verbosity=2)
