#!/usr/bin/env python3
"""`crater-at-home run` over three Docker engines, end to end: the local
one, a second dockerd on its own socket, and a third reached over ssh
(scripts/start-engines starts the last two and sshd; scripts/test does it).
Crates come from the crates.io lookalike over Debian's real crates.

What it shows (issue 13's "done when"):
- a run over three engines completes every crate exactly once, also when
  one engine's dockerd is killed mid-run: that engine's crate in flight
  runs elsewhere, without counting as an attempt, and the engine rejoins
  once its dockerd is back;
- records name the engine a crate ran on;
- no container of the run is left on any engine after it ends, or after
  Ctrl-C.

Environment: CAH_BINARY, CAH_SOURCE_DIR, and the CAH_ENGINE_* variables that
scripts/start-engines prints.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("CAH_SOURCE_DIR", os.path.join(HERE, "..", ".."))
BINARY = os.environ.get("CAH_BINARY", os.path.join(SOURCE, "build", "src", "crater-at-home"))
TOOLS = os.path.join(SOURCE, "tools.toml")
sys.path.insert(0, os.path.join(SOURCE, "tests", "lookalike"))
from run_lookalike_test import Lookalike, store_records  # noqa: E402  (the same lookalike)

D2 = os.environ.get("CAH_ENGINE_D2", "")
SSH = os.environ.get("CAH_ENGINE_SSH", "")  # reaches the third dockerd
D3 = os.environ.get("CAH_ENGINE_D3", "")


def containers(host, prefix):
    """Containers on engine `host` (None: the local one) labelled by a run
    whose worker prefix starts with `prefix`."""
    cli = ["docker"] + (["--host", host] if host else [])
    listed = subprocess.run(cli + ["ps", "-a", "--filter", "label=crater-at-home.worker",
                                   "--format", '{{.Label "crater-at-home.worker"}} {{.Names}}'],
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:
        raise RuntimeError("cannot list containers on %s: %s" % (host, listed.stderr))
    return [line for line in listed.stdout.splitlines() if line.startswith(prefix)]


class Run:
    """A `run` in the background whose stderr is read as it comes."""

    def __init__(self, args):
        self.lines = []
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append((time.time(), line.rstrip("\n")))

    def text(self):
        return "\n".join(line for _, line in self.lines)

    def wait_for(self, pattern, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for stamp, line in list(self.lines):
                if re.search(pattern, line):
                    return stamp
            if self.process.poll() is not None:
                self.reader.join(10)
                for stamp, line in list(self.lines):
                    if re.search(pattern, line):
                        return stamp
                raise AssertionError("run ended before /%s/:\n%s" % (pattern, self.text()))
            time.sleep(0.2)
        raise AssertionError("no /%s/ within %d s:\n%s" % (pattern, timeout, self.text()))

    def finish(self, timeout=1200):
        out = self.process.stdout.read()
        self.process.wait(timeout=timeout)
        self.reader.join(10)
        self.process.stdout.close()
        self.process.stderr.close()
        return self.process.returncode, out


class FleetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (D2 and SSH and D3):
            raise RuntimeError("no CAH_ENGINE_D2/D3/SSH: run `eval \"$(scripts/start-engines)\"` "
                               "first (scripts/test does)")
        cls.scratch = tempfile.mkdtemp(prefix="cah-fleet-test-")
        cls.lookalike = Lookalike(cls.scratch)

    @classmethod
    def tearDownClass(cls):
        cls.lookalike.stop()
        shutil.rmtree(cls.scratch, ignore_errors=True)
        # A killed dockerd must not stay down for the tests after us.
        subprocess.run([os.path.join(SOURCE, "scripts", "start-engines")],
                       capture_output=True, timeout=300)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self._testMethodName[:30] + "-", dir=self.scratch)
        self.prefix = "cah-fleet-%d-%s" % (os.getpid(), self._testMethodName[5:15].replace("_", "-"))

    def tearDown(self):
        for host in (None, D2, D3):
            try:
                left = [line.split()[1] for line in containers(host, self.prefix)]
            except RuntimeError:
                continue
            if left:
                cli = ["docker"] + (["--host", host] if host else [])
                subprocess.run(cli + ["rm", "-f"] + left, capture_output=True, timeout=60)

    def run_args(self, crates):
        url = self.lookalike.url
        return [BINARY, "run", "--tool=check", "--tools", TOOLS,
                "--store", "file://" + os.path.join(self.dir, "store"),
                "--cache", os.path.join(self.dir, "cache"),
                "--registry", "sparse+" + url + "/index/", "--db-dump", url + "/db-dump.tar.gz",
                "--crates", str(crates), "--worker-prefix", self.prefix,
                "--engine", "local=1", "--engine", D2 + "=1", "--engine", SSH + "=1"]

    def records(self):
        return store_records(os.path.join(self.dir, "store"))

    def assert_no_containers_anywhere(self):
        for host in (None, D2, D3):
            self.assertEqual(containers(host, self.prefix), [], "left on %s" % (host or "local"))

    def test_every_crate_once_on_three_engines_when_one_dies_and_rejoins(self):
        run = Run(self.run_args(30))
        # Worker 1 is the second engine's (slots are numbered engine by engine).
        run.wait_for(r": started on worker 1$")
        time.sleep(1)
        subprocess.run([os.path.join(SOURCE, "scripts", "stop-engines"), "--kill", "d2"],
                       check=True, capture_output=True, timeout=120)
        run.wait_for(re.escape("engine " + D2 + " lost"), timeout=120)
        requeued = re.findall(r"\] (\S+) (\S+): requeued from worker 1: engine " + re.escape(D2) +
                              " lost", run.text())
        self.assertEqual(len(requeued), 1, run.text())
        crate, version = requeued[0]
        # Its crate runs elsewhere before the engine is back.
        run.wait_for(r"\] %s %s: started on worker [02]$" % (re.escape(crate), re.escape(version)))
        restarted = time.time()
        subprocess.run([os.path.join(SOURCE, "scripts", "start-engines")], check=True,
                       capture_output=True, timeout=300)
        run.wait_for(re.escape("engine " + D2 + " is back"), timeout=300)
        status, out = run.finish()
        log = run.text()
        self.assertEqual(status, 0, log + out)

        records = self.records()
        self.assertEqual(len(records), 30, log)
        for crate, versions in records.items():
            self.assertEqual(len(versions), 1, crate)
            record = versions[0]
            self.assertNotEqual(record["outcome"], "error", (crate, record, log))
            if record["outcome"] == "broken":
                self.assertNotIn("engine", record)  # never reached a worker
                continue
            self.assertIn(record["engine"], ("local", D2, SSH), record)
            self.assertEqual(record["attempts"], 1, record)
        engines = {r[0].get("engine") for r in records.values()}
        self.assertTrue({"local", D2, SSH} <= engines, engines)

        # The crate the dead engine had ran elsewhere, once.
        self.assertNotEqual(records[crate][0].get("engine"), D2, (records[crate][0], log))
        # The engine rejoined and took crates again.
        self.assertTrue(any(r[0].get("engine") == D2 and
                            time.mktime(time.strptime(r[0]["started"][:19],
                                                      "%Y-%m-%dT%H:%M:%S")) - time.timezone
                            >= restarted - 1
                            for r in records.values()), log)
        self.assert_no_containers_anywhere()

    def test_ctrl_c_removes_the_runs_containers_on_every_engine(self):
        run = Run(self.run_args(20))
        for worker in range(3):
            run.wait_for(r": started on worker %d$" % worker)
        deadline = time.time() + 60
        while not all(containers(host, self.prefix) for host in (None, D2, D3)):
            self.assertLess(time.time(), deadline, "a worker container is missing")
            time.sleep(0.5)
        run.process.send_signal(signal.SIGINT)
        status, _ = run.finish(timeout=300)
        self.assertEqual(status, 130, run.text())
        self.assert_no_containers_anywhere()


if __name__ == "__main__":
    unittest.main(verbosity=2)
