#!/usr/bin/env python3
"""`crater-at-home run` over the crates.io lookalike, end to end: real cargo
resolving against a sparse index over HTTP, downloads checked and cached,
Docker workers building offline. Needs Docker, the worker image and Debian's
crates (scripts/test installs and starts all three).

What it shows (issue 11's "done when"):
- a sweep of 40 real crates from the lookalike gives every crate the outcome
  the same crates get over the local directory registry; the crates whose
  dependencies are missing are broken, naming the package, never failed;
- a second run downloads nothing;
- the build cannot reach the network (a build script and a test try);
- a crate's .cargo/config.toml and rust-toolchain.toml have no effect;
- a run killed with SIGKILL during preparation resumes with nothing lost or
  duplicated and no partial file in the cache;
- index and download faults are retried, then recorded as an error for that
  crate only; a wrong checksum is refused and recorded.

Environment: CAH_BINARY (crater-at-home), CAH_SOURCE_DIR (the checkout).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("CAH_SOURCE_DIR", os.path.join(HERE, "..", ".."))
BINARY = os.environ.get("CAH_BINARY", os.path.join(SOURCE, "build", "src", "crater-at-home"))
SERVER = os.path.join(HERE, "lookalike.py")
DEBIAN = "/usr/share/cargo/registry"
TOOLS = os.path.join(SOURCE, "tools.toml")
# The test crates published beside Debian's: quick ones only.
TEST_CRATES = ["cah-hello", "cah-net-probe", "cah-overrides"]


def store_records(root, tool="check"):
    """Every result record of `tool` in the file store at `root`, as
    {crate: [record, ...]} (a list: a crate must have exactly one)."""
    results = os.path.join(root, tool, "results")
    found = {}
    for crate in sorted(os.listdir(results)) if os.path.isdir(results) else []:
        for name in os.listdir(os.path.join(results, crate)):
            with open(os.path.join(results, crate, name)) as f:
                found.setdefault(crate, []).append(json.load(f))
    return found


class Lookalike:
    """lookalike.py over Debian's registry and a few test crates."""

    def __init__(self, scratch):
        self.scratch = scratch
        crates = os.path.join(scratch, "test-crates")
        for name in TEST_CRATES:
            shutil.copytree(os.path.join(SOURCE, "tests", "crates", name),
                            os.path.join(crates, name), symlinks=True)
        self.access_log = os.path.join(scratch, "access.log")
        self.process = subprocess.Popen(
            [sys.executable, SERVER, "--source", DEBIAN, "--source", crates,
             "--state", os.path.join(scratch, "state"), "--access-log", self.access_log],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError("the lookalike did not start: " + self.url)
        self.host_port = self.url[len("http://"):]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.process.stdout.close()

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read()

    def faults(self, rules):
        self.control("POST", "/_control/faults", {"rules": rules})

    def requests(self):
        return json.loads(self.control("GET", "/_control/log"))

    def downloads(self):
        return [r for r in self.requests()
                if r["path"].endswith("/download") or r["path"].endswith(".crate")]


class RunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="cah-lookalike-run-")
        cls.lookalike = Lookalike(cls.scratch)

    @classmethod
    def tearDownClass(cls):
        cls.lookalike.stop()
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self._testMethodName + "-", dir=self.scratch)
        self.prefix = "cah-lk-%d-%s" % (os.getpid(), self._testMethodName[5:20].replace("_", "-"))
        self.lookalike.control("DELETE", "/_control/faults")
        self.lookalike.control("DELETE", "/_control/log")

    def tearDown(self):
        left = subprocess.run(["docker", "ps", "-aq", "--filter",
                               "label=crater-at-home.worker=" + self.prefix],
                              capture_output=True, text=True).stdout.split()
        if left:
            subprocess.run(["docker", "rm", "-f"] + left, capture_output=True)

    # Helpers.

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_list(self, name, entries):
        with open(self.path(name), "w") as f:
            f.write("\n".join(entries) + "\n")
        return self.path(name)

    def run_args(self, store, registry=None, extra=(), cache="cache", tools=TOOLS, tool="check",
                 jobs=2):
        args = [BINARY, "run", "--tool=" + tool, "--tools", tools,
                "--store", "file://" + self.path(store), "--cache", self.path(cache),
                "--worker-prefix", self.prefix, "--jobs", str(jobs)]
        if registry is None:
            args += ["--registry", "sparse+" + self.lookalike.url + "/index/",
                     "--db-dump", self.lookalike.url + "/db-dump.tar.gz"]
        else:
            args += ["--registry", registry]
        return args + list(extra)

    def run_to_end(self, args, timeout=900, expect=(0,)):
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        self.assertIn(done.returncode, expect, done.stdout + done.stderr)
        return done

    def records(self, store, tool="check"):
        return store_records(self.path(store), tool)

    def raw(self, store, record, tool="check"):
        with open(os.path.join(self.path(store), tool, "raw", record["crate"],
                               record["version"]), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def assert_cache_whole(self, cache):
        packages = os.path.join(self.path(cache), "packages")
        for name in os.listdir(packages):
            for needed in (".cargo-checksum.json", ".cah-bytes"):
                self.assertTrue(os.path.exists(os.path.join(packages, name, needed)),
                                "partial cache entry " + name)

    # The tests.

    def test_sweep_matches_the_local_registry_and_a_second_run_downloads_nothing(self):
        first = self.run_to_end(self.run_args("store", extra=["--crates", "40"]))
        records = self.records("store")
        self.assertEqual(len(records), 40, first.stderr)
        self.assertEqual(len(self.lookalike.requests()) > 0, True)
        outcomes = {}
        for crate, [record] in records.items():
            outcomes[crate] = record["outcome"]
            raw = self.raw("store", record)
            self.assertNotIn(record["outcome"], ("error",), raw)
            if record["outcome"] == "broken":
                # A package, or a version of it, that the registry lacks:
                # named, with the requirement.
                broken = record["broken"]
                self.assertIn(broken["kind"], ("missing-dependency", "missing-version"), record)
                self.assertRegex(broken["detail"],
                                 r"^(no matching package named `[^`]+` found|failed to select a "
                                 r"version for the requirement `[^`]+`)")
                self.assertIn(broken["detail"].split(" (required")[0].split(";")[0], raw)
            else:
                # Preparation proved everything resolves: nothing is missing.
                self.assertNotIn("no matching package", raw, crate)
        self.assertIn("broken", outcomes.values())
        self.assertIn("passed", outcomes.values())

        # The same crates, at the same versions, over the local registry.
        debian = [r[0] for c, r in records.items() if c not in TEST_CRATES]
        listed = self.write_list("list", ["%s@%s" % (r["crate"], r["version"]) for r in debian])
        self.run_to_end(self.run_args("local", registry=DEBIAN, cache="local-cache",
                                      extra=["--crate-list", listed]))
        local = self.records("local")
        self.assertEqual(len(local), len(debian))
        for crate, [record] in local.items():
            self.assertEqual(record["outcome"], outcomes[crate], crate)
            if record["outcome"] == "broken":
                self.assertEqual(record["broken"]["detail"], records[crate][0]["broken"]["detail"])

        # Again, everything from the cache: no .crate is downloaded.
        self.lookalike.control("DELETE", "/_control/log")
        self.run_to_end(self.run_args("store", extra=["--crates", "40", "--rerun"]))
        self.assertEqual(self.lookalike.downloads(), [])
        again = self.records("store")
        self.assertEqual({c: r[0]["outcome"] for c, r in again.items()}, outcomes)
        self.assert_cache_whole("cache")

    def test_the_build_has_no_network_and_override_files_have_no_effect(self):
        tools = self.path("tools.toml")
        with open(tools, "w") as f:
            f.write('[tools.probe]\ntoolchain = "stable"\ntimeout = "10m"\n'
                    'no_output_timeout = "5m"\n'
                    'env = { CAH_PROBE = "%s" }\n\n[[tools.probe.commands]]\n'
                    'args = ["cargo", "+{toolchain}", "test", "{crate_args}"]\n'
                    % self.lookalike.host_port)
        listed = self.write_list("list", ["cah-net-probe", "cah-overrides"])
        self.run_to_end(self.run_args("store", tools=tools, tool="probe",
                                      extra=["--crate-list", listed]))
        records = self.records("store", tool="probe")
        probe = records["cah-net-probe"][0]
        raw = self.raw("store", probe, tool="probe")
        self.assertEqual(probe["outcome"], "passed", raw)
        self.assertIn("connection failed from build.rs", raw)
        self.assertIn("connection failed from a test", raw)
        self.assertNotIn("CONNECTED", raw)
        self.assertEqual([r for r in self.lookalike.requests() if "/probe-from" in r["path"]], [])

        overrides = records["cah-overrides"][0]
        raw = self.raw("store", overrides, tool="probe")
        self.assertEqual(overrides["outcome"], "passed", raw)
        self.assertIn("removed .cargo/config.toml, rust-toolchain.toml", raw)
        self.assertNotIn("nonexistent-toolchain", raw)

    def test_a_run_killed_while_preparing_resumes_with_nothing_lost(self):
        # Slow downloads, so that the kill lands in the middle of preparing.
        self.lookalike.faults([{"path": "/download$", "mode": "slow", "seconds": 0.4}])
        args = self.run_args("store", extra=["--crates", "15"], jobs=1)
        server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while len(self.lookalike.downloads()) < 4 and time.time() < deadline:
            time.sleep(0.1)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        self.assertGreaterEqual(len(self.lookalike.downloads()), 4)
        self.assert_cache_whole("cache")

        self.lookalike.control("DELETE", "/_control/faults")
        self.lookalike.control("DELETE", "/_control/log")
        self.run_to_end(self.run_args("store", extra=["--crates", "15"]))
        records = self.records("store")
        self.assertEqual(len(records), 15)
        for crate, found in records.items():
            self.assertEqual(len(found), 1, crate)
            self.assertIn(found[0]["outcome"], ("passed", "broken", "build-failed"), crate)
        self.assert_cache_whole("cache")
        # The killed run's temporaries are gone; what it downloaded whole is
        # not downloaded again.
        self.assertEqual(os.listdir(os.path.join(self.path("cache"), "tmp")), [])
        fetched = [r["path"] for r in self.lookalike.downloads()]
        self.assertEqual(len(fetched), len(set(fetched)))

    def test_faults_are_retried_then_an_error_of_that_crate_only(self):
        listed = self.write_list("list", ["itoa", "semver", "hex", "cah-hello", "fnv"])
        self.lookalike.faults([
            # Passing faults: retried, and the crates pass.
            {"path": "/itoa/[^/]+/download$", "mode": "500", "count": 2},
            {"path": "/index/se/mv/semver$", "mode": "reset", "count": 1},
            # Lasting ones: an error for that crate alone.
            {"path": "/hex/[^/]+/download$", "mode": "500"},
            {"path": "/cah-hello/[^/]+/download$", "mode": "wrong-checksum"},
        ])
        self.run_to_end(self.run_args("store", extra=["--crate-list", listed]))
        records = {c: r[0] for c, r in self.records("store").items()}
        self.assertEqual(records["itoa"]["outcome"], "passed")
        self.assertEqual(records["semver"]["outcome"], "passed")
        self.assertEqual(records["fnv"]["outcome"], "passed")
        hex_record = records["hex"]
        self.assertEqual(hex_record["outcome"], "error")
        self.assertIn(self.lookalike.url, hex_record["error"])
        self.assertIn("500", self.raw("store", hex_record))
        hello = records["cah-hello"]
        self.assertEqual(hello["outcome"], "error")
        self.assertIn("checksum mismatch", hello["error"])
        self.assertFalse(os.path.exists(
            os.path.join(self.path("cache"), "packages", "cah-hello-0.1.0")))
        self.assert_cache_whole("cache")
        itoa_tries = [r for r in self.lookalike.requests() if "/itoa/" in r["path"]]
        self.assertGreaterEqual(len(itoa_tries), 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
