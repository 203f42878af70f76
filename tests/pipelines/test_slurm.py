"""pipelines/slurm-submit + slurm-transcode.sbatch on a real one-node Slurm
cluster that this test starts in a temporary folder: munged with its own key
and socket, slurmctld and slurmd (proctrack/linuxproc, task/none,
select/cons_tres) on free ports, all as root. Where that cannot start (not
root, Slurm or munge not installed, daemons refusing to run) the test prints
why and exits 77, which meson counts as skipped."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import pipetest as pt

DAEMONS = ('munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo')


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='ctz-slurm-')  # short: the munge socket path has a limit
        self.procs = []
        d = self.dir
        os.makedirs(os.path.join(d, 'state'))
        os.makedirs(os.path.join(d, 'spool'))
        key = os.path.join(d, 'munge.key')
        with open(key, 'wb') as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o600)
        self.socket = os.path.join(d, 'munge.sock')
        self.start(['munged', '-F', '--force', f'--key-file={key}', f'--socket={self.socket}',
                    f'--pid-file={d}/munged.pid', f'--log-file={d}/munged.log', f'--seed-file={d}/munged.seed'])
        self.wait(lambda: os.path.exists(self.socket), 'munged did not create its socket', 'munged.log')
        host = socket.gethostname().split('.')[0]
        self.conf = os.path.join(d, 'slurm.conf')
        with open(self.conf, 'w') as f:
            f.write(f'''ClusterName=ctztest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={pt.free_port()}
SlurmdPort={pt.free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.socket}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
''')
        os.environ['SLURM_CONF'] = self.conf  # for the daemons, sbatch, and the scripts under test
        self.start(['slurmctld', '-D', '-i'])
        self.start(['slurmd', '-D'])
        self.wait(self.idle, 'the node did not come up idle', 'slurmd.log')

    def start(self, cmd):
        self.procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           cwd=self.dir, preexec_fn=pt.die_with_parent))

    def idle(self):
        out = subprocess.run(['sinfo', '-h', '-o', '%T'], capture_output=True, text=True)
        return out.returncode == 0 and out.stdout.strip() == 'idle'

    def wait(self, ready, why, log, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if ready():
                return
            dead = [p.args[0] for p in self.procs if p.poll() is not None]
            if dead:
                break
            time.sleep(0.2)
        tail = ''
        path = os.path.join(self.dir, log)
        if os.path.exists(path):
            with open(path) as f:
                tail = ''.join(f.readlines()[-5:])
        self.stop()
        raise RuntimeError(f'{why} (exited: {dead or "none"}); {log}:\n{tail}')

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Slurm(pt.TempDirCase):
    def setUp(self):
        super().setUp()
        self.src = self.path('in')
        self.out = self.path('out')
        os.makedirs(self.src)

    def clips(self, *names):
        self.names = names
        for n in names:
            pt.make_clip(os.path.join(self.src, n + '.mp4'), seconds=1, size=(128, 128), audio=(n == 'a'))
        self.frames = pt.Streams(os.path.join(self.src, names[0] + '.mp4')).frames

    def test_help(self):
        self.assertIn('--gpus', pt.run('slurm-submit', '--help').stdout)

    def test_array_transcodes_every_file_then_nothing_is_left(self):
        self.clips('a', 'b', 'c')
        proc = pt.run('slurm-submit', '--wait', '--max-parallel', '2', '--device', 'cpu',
                      self.src, self.out, timeout=240)
        self.assertIn('3 videos', proc.stderr)
        job = proc.stdout.strip().splitlines()[0]
        for n in self.names:
            got = pt.Streams(os.path.join(self.out, n + '.mkv'))
            self.assertEqual(got.frames, self.frames)
            self.assertEqual((got.width, got.height), (128, 128))
        logs = sorted(f for f in os.listdir(os.path.join(self.out, '.slurm')) if f.endswith('.log'))
        self.assertEqual(logs, [f'{job}_{i}.log' for i in range(3)])
        with open(os.path.join(self.out, '.slurm', logs[0])) as f:
            self.assertIn('task 0 of job', f.read())
        again = pt.run('slurm-submit', '--wait', self.src, self.out)
        self.assertIn('nothing to do', again.stderr)

    def test_failed_task_fails_the_wait(self):
        self.clips('a')
        with open(os.path.join(self.src, 'broken.mp4'), 'wb') as f:
            f.write(b'\0' * 1024)
        proc = pt.run('slurm-submit', '--wait', '--device', 'cpu', self.src, self.out, timeout=240, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('some tasks failed', proc.stderr)
        for n in self.names:
            self.assertTrue(os.path.exists(os.path.join(self.out, n + '.mkv')))
        self.assertFalse(os.path.exists(os.path.join(self.out, 'broken.mkv')))


def main():
    missing = [d for d in DAEMONS if shutil.which(d) is None]
    reason = None
    if missing:
        reason = f'not installed: {" ".join(missing)} (Debian: slurmctld slurmd slurm-client munge)'
    elif os.geteuid() != 0:
        reason = 'slurmd must run as root to start jobs'
    else:
        try:
            cluster = Cluster()
        except (RuntimeError, OSError) as e:
            reason = f'the test cluster did not start: {e}'
    if reason:
        print(f'SKIP: {reason}')
        sys.exit(pt.SKIP)
    try:
        result = unittest.main(verbosity=2, exit=False).result
    finally:
        cluster.stop()
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == '__main__':
    main()
