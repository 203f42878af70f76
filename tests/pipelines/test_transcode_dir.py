"""pipelines/transcode-dir: a folder of short clips, two at a time; a second
run skips what is done; a run killed mid-way leaves only complete outputs
and the next run finishes the rest without redoing them; a bad file is
reported and the rest still done; two runs on one output folder share the
work through transcode's per-output locks; folders and names that cannot work
(two inputs for one output, OUT inside IN) are refused before anything
starts; an unwritable output folder is one line per file."""
import contextlib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

import pipetest as pt


@contextlib.contextmanager
def unwritable(folder):
    """FOLDER where nothing can be created or removed, for root too: mode 555,
    and as root the immutable flag (chattr +i, where the file system has it).
    Skips the test where neither holds."""
    os.chmod(folder, 0o555)
    immutable = os.geteuid() == 0 and subprocess.run(['chattr', '+i', folder], capture_output=True).returncode == 0
    try:
        probe = os.path.join(folder, '.probe')
        try:
            open(probe, 'w').close()
            os.remove(probe)
            raise unittest.SkipTest(f'cannot make {folder} unwritable here')
        except OSError:
            pass
        yield folder
    finally:
        if immutable:
            subprocess.run(['chattr', '-i', folder], check=True)
        os.chmod(folder, 0o755)


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

    def assert_refused(self, proc, *words):
        """Exit 2 before anything is written, WORDS in the message."""
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertNotIn('to do', proc.stderr)
        for w in words:
            self.assertIn(w, proc.stderr)
        self.assertFalse(os.path.exists(self.out) and os.listdir(self.out), 'nothing may be written')

    def test_two_inputs_for_one_output_name_are_refused(self):
        # Before: a.mp4 and a.mov both mapped to a.mkv; a.mov was never
        # transcoded and counted as "skipped (another run has them)".
        shutil.copy(os.path.join(self.src, 'a.mp4'), os.path.join(self.src, 'a.mov'))
        proc = self.run_dir(check=False)
        self.assert_refused(proc, 'a.mp4', 'a.mov', os.path.join(self.out, 'a.mkv'))
        # --list too (slurm-submit's list), also once a.mkv exists.
        os.makedirs(self.out)
        shutil.copy(os.path.join(self.src, 'a.mp4'), self.outputs[0])
        proc = pt.run('transcode-dir', '--list', self.src, self.out, check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(proc.stdout, '')

    def test_output_folder_in_the_input_folder_is_refused(self):
        # Before: OUT inside IN cartoonized its own outputs again on every
        # resume; OUT = IN with .mkv inputs counted every input as done.
        for out in (os.path.join(self.src, 'cartoon'), self.src, self.src + '/day2/..'):
            with self.subTest(out=out):
                proc = pt.run('transcode-dir', '--device', 'cpu', self.src, out, check=False)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertIn('inside', proc.stderr)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertEqual(sorted(os.listdir(self.src)), ['a.mp4', 'b.mp4', 'day2'])
        # IN inside OUT: OUT/in/x would land in IN.
        inner = os.path.join(self.src, 'in')
        os.makedirs(inner)
        shutil.copy(os.path.join(self.src, 'a.mp4'), os.path.join(inner, 'x.mp4'))
        proc = pt.run('transcode-dir', '--list', self.src, self.path(), check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn('x.mp4', proc.stderr)

    def test_slurm_submit_refuses_what_transcode_dir_refuses(self):
        # The names and checks come from transcode-dir --list: nothing is
        # submitted (this sbatch would say so) and OUT is not created.
        shutil.copy(os.path.join(self.src, 'a.mp4'), os.path.join(self.src, 'a.mov'))
        bin_dir = self.path('bin')
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, 'sbatch'), 'w') as f:
            f.write(f'#!/bin/sh\ntouch {self.path("submitted")}\nexit 1\n')
        os.chmod(os.path.join(bin_dir, 'sbatch'), 0o755)
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ['PATH'])
        for out in (self.out, os.path.join(self.src, 'cartoon')):
            with self.subTest(out=out):
                proc = subprocess.run([pt.script('slurm-submit'), self.src, out], env=env,
                                      capture_output=True, text=True, timeout=60)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertFalse(os.path.exists(out))
                self.assertFalse(os.path.exists(self.path('submitted')))

    def test_unwritable_output_folder_is_one_line_per_file(self):
        # Before: a Python traceback per file (OSError from the lock file).
        os.makedirs(self.out)
        with unwritable(self.out):
            proc = self.run_dir(check=False)
            single = pt.run('transcode', '--device', 'cpu', os.path.join(self.src, 'a.mp4'), self.outputs[0],
                            check=False)
            self.assertEqual(os.listdir(self.out), [])
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)
        self.assertIn('0 done, 0 skipped (already done), 0 skipped (another run has them), 3 failed', proc.stderr)
        # Besides the "[i/3] FILE" lines and the two summaries, one line per file.
        reasons = [line for line in proc.stderr.splitlines()
                   if not re.match(r'transcode-dir: (\[[\d/]+\]|\d+ to do|\d+ done)', line)]
        self.assertEqual(len(reasons), 3, proc.stderr)
        self.assertEqual(single.returncode, 1)
        self.assertEqual(len(single.stderr.strip().splitlines()), 1, single.stderr)
        self.assertIn(self.out, single.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
