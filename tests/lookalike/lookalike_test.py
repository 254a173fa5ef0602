#!/usr/bin/env python3
"""Drives lookalike.py with real cargo (generate-lockfile and fetch only: no
crate code runs), urllib and, when built, crater-at-home's dump reader.

Needs Debian's crates that `scripts/install-deps --test-crates` installs.
Environment: CAH_DEBIAN_REGISTRY (default /usr/share/cargo/registry),
CAH_BINARY (crater-at-home; its part is skipped when unset or missing).
"""

import csv
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "lookalike.py")
TEST_CRATES = os.path.join(HERE, "..", "crates")
DEBIAN = os.environ.get("CAH_DEBIAN_REGISTRY", "/usr/share/cargo/registry")


def find_cargo():
    found = shutil.which("cargo")
    if found:
        return found
    home = os.path.expanduser("~/.cargo/bin/cargo")
    if os.path.exists(home):
        return home
    raise RuntimeError("cargo is not on PATH nor in ~/.cargo/bin")


def write(path, content, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(content))
    if mode is not None:
        os.chmod(path, mode)


FANCY = """\
    [package]
    name = "lk-fancy"
    version = "{version}"
    edition = "2021"
    links = "fancy"
    rust-version = "1.60"
    description = "a test crate, with a comma, and \\"quotes\\"\\nand a second line"

    [dependencies]
    alias = {{ package = "itoa", version = "1" }}
    memchr = {{ version = "2.4", default_features = false, features = ["std"], optional = true }}
    lk-not-published = {{ version = "1", optional = true }}
    anything = {{ package = "semver" }}

    [target.'cfg(unix)'.dependencies]
    cfg-if = "1.0"

    [build-dependencies]
    glob = {{ version = "0.3", default-features = false }}

    [dev-dependencies]
    lk-local = {{ path = "../lk-local" }}
    lazy_static = "1"

    [features]
    default = ["plain"]
    plain = []
    missing = ["dep:lk-not-published"]
    weak = ["memchr?/std"]
"""


def make_sources(root):
    """Two extra directory registries: odd manifests, a fancy crate in two versions."""
    a, b = os.path.join(root, "extra-a"), os.path.join(root, "extra-b")
    write(f"{a}/broken/Cargo.toml", "[package\nname = 'broken'\n")
    os.makedirs(f"{a}/no-manifest/src")
    write(f"{a}/workspace-only/Cargo.toml", "[workspace]\nmembers = []\n")
    write(f"{a}/inherited/Cargo.toml",
          "[package]\nname = 'inherited'\nversion.workspace = true\n")
    write(f"{a}/odd-deps/Cargo.toml", """\
        [package]
        name = "lk-odd"
        version = "0.0.1"
        [dependencies]
        weird = 3
        list = ["not", "a", "table"]
        table = { version = 7, features = "x", optional = "yes" }
        [target]
        nonsense = 1
        [features]
        f = "not a list"
    """)
    write(f"{a}/lk-fancy-0.2.0/Cargo.toml", FANCY.format(version="0.2.0"))
    write(f"{a}/lk-fancy-0.2.0/src/lib.rs", "pub fn f() {}\n")
    write(f"{a}/lk-fancy-0.2.0/run.sh", "#!/bin/sh\n", mode=0o755)
    write(f"{a}/lk-fancy-0.2.0/.cargo-checksum.json", '{"package":"x","files":{}}')
    write(f"{a}/lk-fancy-0.2.0/target/debug/junk", "not packed\n")
    os.symlink("src/lib.rs", f"{a}/lk-fancy-0.2.0/linked.rs")
    write(f"{b}/lk-fancy-0.1.0/Cargo.toml", FANCY.format(version="0.1.0"))
    write(f"{b}/lk-fancy-0.1.0/src/lib.rs", "pub fn old() {}\n")
    # The same name and version as in extra-a: the first source wins.
    write(f"{b}/lk-fancy-0.2.0-again/Cargo.toml", FANCY.format(version="0.2.0"))
    return [a, b]


class Server:
    """lookalike.py in a child process; its stdout line is the base URL."""

    def __init__(self, args, stderr_path):
        self.stderr_path = stderr_path
        self.stderr = open(stderr_path, "w")
        started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, SERVER, *args], stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)
        self.base = self.proc.stdout.readline().strip()
        self.startup = time.monotonic() - started
        if not self.base.startswith("http://"):
            self.proc.kill()
            raise RuntimeError(f"lookalike did not start: {self.log()}")

    def log(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        """Sends sig; returns (exit status, seconds to exit)."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.stderr.close()
        self.proc.stdout.close()
        return status, time.monotonic() - started


def request(url, method="GET", body=None, headers=None, timeout=10):
    """(status, headers, body) for any status."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class LookalikeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cargo_bin = find_cargo()
        cls.tmp = tempfile.mkdtemp(prefix="lookalike-test-")
        cls.sources = [DEBIAN, TEST_CRATES, *make_sources(cls.tmp)]
        cls.state = os.path.join(cls.tmp, "state")
        cls.access_log = os.path.join(cls.tmp, "access.log")
        args = []
        for source in cls.sources:
            args += ["--source", source]
        args += ["--state", cls.state, "--access-log", cls.access_log,
                 "--yank", "lk-fancy@0.1.0"]
        cls.server = Server(args, os.path.join(cls.tmp, "server.err"))
        cls.base = cls.server.base

    @classmethod
    def tearDownClass(cls):
        status, seconds = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert status == 0 and seconds < 1.5, (status, seconds)

    def setUp(self):
        self.control("DELETE", "faults")

    # --- helpers

    def get(self, path, **kw):
        return request(self.base + path, **kw)

    def control(self, method, what, body=None):
        status, _, data = request(f"{self.base}/_control/{what}", method, body)
        return status, (json.loads(data) if data.startswith((b"{", b"[")) else data)

    def faults(self, *rules):
        status, _ = self.control("POST", "faults", {"rules": list(rules)})
        self.assertEqual(status, 200)

    def index(self, name):
        n = name.lower()
        path = {1: f"1/{n}", 2: f"2/{n}", 3: f"3/{n[0]}/{n}"}.get(len(n), f"{n[:2]}/{n[2:4]}/{n}")
        status, _, body = self.get(f"/index/{path}")
        self.assertEqual(status, 200, name)
        return [json.loads(line) for line in body.decode().splitlines()]

    def project(self, deps):
        """A temp crate with `deps` ([dependencies] lines) and its own CARGO_HOME."""
        root = tempfile.mkdtemp(dir=self.tmp)
        write(f"{root}/home/config.toml", f"""\
            [source.crates-io]
            replace-with = "lookalike"
            [source.lookalike]
            registry = "sparse+{self.base}/index/"
        """)
        write(f"{root}/proj/Cargo.toml",
              '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n\n'
              "[dependencies]\n" + deps + "\n")
        write(f"{root}/proj/src/lib.rs", "")
        return root

    def cargo(self, root, *args, retries=0):
        env = dict(os.environ, CARGO_HOME=f"{root}/home", CARGO_NET_RETRY=str(retries),
                   CARGO_TERM_COLOR="never", CARGO_HTTP_TIMEOUT="10")
        return subprocess.run([self.cargo_bin, *args], cwd=f"{root}/proj", env=env,
                              capture_output=True, text=True, timeout=120)

    def cached_crates(self, root):
        cache = os.path.join(root, "home", "registry", "cache")
        found = {}
        for folder in os.listdir(cache):
            for name in os.listdir(os.path.join(cache, folder)):
                with open(os.path.join(cache, folder, name), "rb") as f:
                    found[name] = hashlib.sha256(f.read()).hexdigest()
        return found

    def served_log(self):
        return self.control("GET", "log")[1]

    # --- the registry as cargo sees it

    def test_config_json(self):
        status, _, body = self.get("/index/config.json")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"dl": f"{self.base}/api/v1/crates",
                                            "api": self.base})
        # Reached by another name (a container's view of the host), dl follows it.
        _, _, body = self.get("/index/config.json", headers={"Host": "172.17.0.1:8080"})
        self.assertEqual(json.loads(body)["dl"], "http://172.17.0.1:8080/api/v1/crates")

    def test_cargo_generate_lockfile_and_fetch(self):
        root = self.project('regex = "1"\nitoa = "1"\nsemver = "1"\nmd-5 = "0.10"')
        done = self.cargo(root, "generate-lockfile")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(f"{root}/proj/Cargo.lock") as f:
            lock = f.read()
        locked = dict(re.findall(r'name = "([^"]+)"\nversion = "[^"]+"\nsource = "[^"]+"\n'
                                 r'checksum = "([0-9a-f]{64})"', lock))
        self.assertIn("regex", locked)
        self.assertIn("md-5", locked)  # from Debian's md-0.10.1/ folder
        self.assertIn("regex-syntax", locked)
        done = self.cargo(root, "fetch")
        self.assertEqual(done.returncode, 0, done.stderr)
        cached = self.cached_crates(root)
        self.assertEqual(len(cached), len(locked))
        for name, cksum in locked.items():
            entry = self.index(name)[-1]
            self.assertEqual(entry["cksum"], cksum, name)
            self.assertEqual(cached[f"{name}-{entry['vers']}.crate"], cksum, name)
        downloads = [e for e in self.served_log() if e["path"].endswith("/download")]
        self.assertTrue(all(e["status"] == 200 for e in downloads))
        self.assertGreaterEqual(len(downloads), len(locked))
        # A second resolve revalidates the cached index files: 304s, no bodies.
        self.control("DELETE", "log")
        done = self.cargo(root, "generate-lockfile")
        self.assertEqual(done.returncode, 0, done.stderr)
        index = [e for e in self.served_log() if e["path"].startswith("/index/")
                 and e["path"] != "/index/config.json"]
        self.assertGreaterEqual(len(index), len(locked))
        self.assertEqual({e["status"] for e in index}, {304})

    def test_index_entry_from_manifest(self):
        entries = self.index("lk-fancy")
        self.assertEqual([e["vers"] for e in entries], ["0.1.0", "0.2.0"])  # two sources
        old, new = entries
        self.assertTrue(old["yanked"])  # --yank
        self.assertFalse(new["yanked"])
        self.assertEqual(new["links"], "fancy")
        self.assertEqual(new["rust_version"], "1.60")
        self.assertEqual(new["v"], 2)
        self.assertRegex(new["pubtime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(new["features"], {"default": ["plain"], "plain": []})
        self.assertEqual(new["features2"], {"missing": ["dep:lk-not-published"],
                                            "weak": ["memchr?/std"]})
        deps = {(d["name"], d["kind"]): d for d in new["deps"]}
        self.assertEqual(deps[("alias", "normal")]["package"], "itoa")
        self.assertEqual(deps[("alias", "normal")]["req"], "^1")
        self.assertEqual(deps[("anything", "normal")]["req"], "*")  # no version
        self.assertFalse(deps[("memchr", "normal")]["default_features"])
        self.assertEqual(deps[("memchr", "normal")]["features"], ["std"])
        self.assertTrue(deps[("lk-not-published", "normal")]["optional"])
        self.assertFalse(deps[("alias", "normal")]["optional"])
        self.assertEqual(deps[("cfg-if", "normal")]["target"], "cfg(unix)")
        self.assertFalse(deps[("glob", "build")]["default_features"])
        self.assertIn(("lazy_static", "dev"), deps)
        self.assertNotIn(("lk-local", "dev"), deps)  # path-only dev-dependency
        for d in new["deps"]:
            self.assertIsNone(d["registry"])
            self.assertEqual("package" in d, d["name"] in ("alias", "anything"))
        self.assertEqual(self.index("md-5")[0]["name"], "md-5")
        self.assertEqual(self.get("/index/lk/-n/lk-not-published")[0], 404)

    def test_odd_sources_are_skipped_with_a_note(self):
        log = self.server.log()
        self.assertIn("broken: unreadable Cargo.toml", log)
        self.assertIn("no-manifest: no Cargo.toml", log)
        self.assertIn("inherited: [package] has no literal name and version", log)
        self.assertNotIn("workspace-only", log)  # silently: not a package
        self.assertIn("already comes from", log)
        odd = self.index("lk-odd")[0]
        self.assertEqual(sorted(d["req"] for d in odd["deps"]), ["*", "*", "*"])

    def test_cargo_uses_renames_targets_and_reports_missing(self):
        root = self.project('lk-fancy = "0.2"')
        done = self.cargo(root, "generate-lockfile")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(f"{root}/proj/Cargo.lock") as f:
            lock = f.read()
        for name in ("itoa", "semver", "cfg-if", "glob"):
            self.assertIn(f'name = "{name}"', lock)
        root = self.project('lk-fancy = { version = "0.2", features = ["missing"] }')
        done = self.cargo(root, "generate-lockfile")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("no matching package named `lk-not-published` found", done.stderr)

    def test_yank(self):
        root = self.project('lk-fancy = "=0.1.0"')
        done = self.cargo(root, "generate-lockfile")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("is yanked", done.stderr)
        status, _ = self.control("POST", "yank", {"crate": "lk-fancy", "version": "0.1.0",
                                                  "yanked": False})
        self.assertEqual(status, 200)
        try:
            self.assertFalse(self.index("lk-fancy")[0]["yanked"])
            done = self.cargo(root, "generate-lockfile")
            self.assertEqual(done.returncode, 0, done.stderr)
        finally:
            self.control("POST", "yank", {"crate": "lk-fancy", "version": "0.1.0",
                                          "yanked": True})
        self.assertTrue(self.index("lk-fancy")[0]["yanked"])
        status, _ = self.control("POST", "yank", {"crate": "lk-fancy", "version": "9.9.9"})
        self.assertEqual(status, 404)

    # --- .crate files

    def test_crate_file(self):
        entry = self.index("lk-fancy")[-1]
        status, headers, body = self.get("/api/v1/crates/lk-fancy/0.2.0/download")
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), entry["cksum"])
        self.assertEqual(self.get("/crates/lk-fancy/lk-fancy-0.2.0.crate")[2], body)
        self.assertEqual(body[4:8], b"\0\0\0\0")  # gzip mtime 0
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            self.assertEqual(names, sorted(names))
            self.assertTrue(all(n.startswith("lk-fancy-0.2.0/") for n in names))
            self.assertEqual(names, ["lk-fancy-0.2.0/" + n for n in
                                     ["Cargo.toml", "linked.rs", "run.sh", "src/lib.rs"]])
            modes = {m.name.split("/", 1)[1]: m.mode for m in members}
            self.assertEqual(modes["run.sh"], 0o755)
            self.assertEqual(modes["src/lib.rs"], 0o644)
            self.assertTrue(all(m.isfile() and m.mtime == members[0].mtime for m in members))
            self.assertEqual(tar.extractfile("lk-fancy-0.2.0/linked.rs").read(),
                             b"pub fn f() {}\n")
        status, headers, head = self.get("/api/v1/crates/lk-fancy/0.2.0/download",
                                         method="HEAD")
        self.assertEqual((status, head, int(headers["Content-Length"])), (200, b"", len(body)))
        self.assertEqual(self.get("/api/v1/crates/lk-fancy/9.0.0/download")[0], 404)
        self.assertEqual(self.get("/api/v1/crates/nope/1.0.0/download")[0], 404)

    def test_index_revalidation(self):
        status, headers, _ = self.get("/index/it/oa/itoa")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Last-Modified"])
        status, _, body = self.get("/index/it/oa/itoa", headers={"If-None-Match": headers["ETag"]})
        self.assertEqual((status, body), (304, b""))
        status, _, _ = self.get("/index/it/oa/itoa", headers={"If-None-Match": '"other"'})
        self.assertEqual(status, 200)

    def test_keep_alive_answers_promptly(self):
        # 50 small answers on one connection: 2 s if Nagle held each for 40 ms.
        conn = http.client.HTTPConnection(self.base.removeprefix("http://"), timeout=10)
        started = time.monotonic()
        conn.request("GET", "/index/it/oa/itoa")
        conn.getresponse().read()
        sock = conn.sock
        for _ in range(49):
            conn.request("GET", "/index/it/oa/itoa")
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
            self.assertIs(conn.sock, sock)  # the same connection throughout
        conn.close()
        self.assertLess(time.monotonic() - started, 1.5)

    # --- faults

    def fresh_fetch(self, *rules, retries=0):
        """cargo fetch of itoa into a new CARGO_HOME with `rules` set for the fetch only."""
        root = self.project('itoa = "1"')
        done = self.cargo(root, "generate-lockfile")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.faults(*rules)
        self.control("DELETE", "log")
        try:
            return root, self.cargo(root, "fetch", retries=retries)
        finally:
            self.control("DELETE", "faults")

    def test_fault_404_download(self):
        _, done = self.fresh_fetch({"path": "/itoa/", "mode": "404"})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("failed to download", done.stderr)
        self.assertIn("404", done.stderr)

    def test_fault_500_index(self):
        root = self.project('itoa = "1"')
        self.faults({"path": "^/index/it/oa/itoa$", "mode": "500"})
        done = self.cargo(root, "generate-lockfile")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("500", done.stderr)
        status, _, _ = self.get("/index/it/oa/itoa")
        self.assertEqual(status, 500)

    def test_fault_429_then_retry(self):
        root, done = self.fresh_fetch({"path": "/download$", "mode": "429", "count": 1},
                                      retries=2)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("429", done.stderr)  # cargo's "spurious network error" warning
        statuses = [e["status"] for e in self.served_log() if e["path"].endswith("/download")]
        self.assertEqual(statuses, [429, 200])
        self.assertEqual(self.cached_crates(root)["itoa-1.0.1.crate"],
                         self.index("itoa")[-1]["cksum"])
        self.faults({"path": "itoa", "mode": "429", "seconds": 7})
        status, headers, _ = self.get("/index/it/oa/itoa")
        self.assertEqual((status, headers["Retry-After"]), (429, "7"))

    def test_fault_truncate(self):
        _, done = self.fresh_fetch({"path": "/download$", "mode": "truncate"})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("failed to download", done.stderr)
        self.faults({"path": "/download$", "mode": "truncate", "count": 1})
        conn = http.client.HTTPConnection(self.base.removeprefix("http://"), timeout=10)
        conn.request("GET", "/api/v1/crates/itoa/1.0.1/download")
        response = conn.getresponse()
        with self.assertRaises(http.client.IncompleteRead) as caught:
            response.read()
        self.assertEqual(len(caught.exception.partial), int(response.headers["Content-Length"]) // 2)
        conn.close()
        self.assertEqual(self.get("/api/v1/crates/itoa/1.0.1/download")[0], 200)  # spent

    def test_fault_reset(self):
        root = self.project('itoa = "1"')
        self.faults({"path": "^/index/", "mode": "reset"})
        done = self.cargo(root, "generate-lockfile")
        self.assertNotEqual(done.returncode, 0)
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected,
                                urllib.error.URLError)):
            self.get("/index/it/oa/itoa")

    def test_fault_wrong_checksum(self):
        root, done = self.fresh_fetch({"path": "/download$", "mode": "wrong-checksum"})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("failed to verify the checksum of `itoa v1.0.1", done.stderr)
        self.faults({"path": "/download$", "mode": "wrong-checksum"})
        status, _, body = self.get("/api/v1/crates/itoa/1.0.1/download")
        self.assertEqual(status, 200)
        self.assertNotEqual(hashlib.sha256(body).hexdigest(), self.index("itoa")[-1]["cksum"])
        self.assertTrue(gzip.decompress(body).startswith(b"itoa-1.0.1/"))  # still a .crate

    def test_fault_slow(self):
        self.faults({"path": "^/index/it/", "mode": "slow", "seconds": 1.0, "count": 1})
        started = time.monotonic()
        status, _, body = self.get("/index/it/oa/itoa")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        self.assertIn(b'"name":"itoa"', body)
        started = time.monotonic()
        self.get("/index/it/oa/itoa")
        self.assertLess(time.monotonic() - started, 0.5)

    # --- control API and logs

    def test_control_api(self):
        status, body = self.control("POST", "faults", {"rules": [{"path": "x", "mode": "melt"}]})
        self.assertEqual(status, 400)
        self.faults({"path": "a", "mode": "404", "count": 2})
        self.assertEqual(self.control("GET", "faults")[1]["rules"],
                         [{"path": "a", "mode": "404", "count": 2, "seconds": 1}])
        self.control("DELETE", "faults")
        self.assertEqual(self.control("GET", "faults")[1]["rules"], [])
        self.control("DELETE", "log")
        self.get("/index/config.json")
        self.get("/index/no/ne/nonexistent")
        log = self.served_log()
        self.assertEqual([(e["method"], e["path"], e["status"]) for e in log],
                         [("GET", "/index/config.json", 200),
                          ("GET", "/index/no/ne/nonexistent", 404)])
        self.assertTrue(all(e["bytes"] > 0 and e["time"] > 0 for e in log))
        with open(self.access_log) as f:
            lines = [json.loads(line) for line in f]
        self.assertFalse(any(e["path"].startswith("/_control") for e in lines))
        self.assertEqual(lines[-2:], log)

    # --- db-dump

    def read_dump(self):
        status, _, body = self.get("/db-dump.tar.gz")
        self.assertEqual(status, 200)
        tables = {}
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            for m in tar.getmembers():
                self.assertRegex(m.name, r"^\d{4}-\d\d-\d\d-\d{6}/")
                tables[m.name.split("/", 1)[1]] = tar.extractfile(m).read().decode()
        return body, tables

    def test_db_dump(self):
        body, tables = self.read_dump()
        self.assertEqual(self.read_dump()[0], body)  # deterministic
        json.loads(tables["metadata.json"])
        rows = {t: list(csv.DictReader(io.StringIO(tables[f"data/{t}.csv"])))
                for t in ("crates", "versions", "version_downloads", "dependencies")}
        crates = {r["id"]: r["name"] for r in rows["crates"]}
        self.assertIn("regex", crates.values())
        self.assertIn("md-5", crates.values())
        versions = {}
        for v in rows["versions"]:
            name = crates[v["crate_id"]]
            versions[(name, v["num"])] = v
            self.assertIn(v["yanked"], ("t", "f"))
            self.assertEqual(v["checksum"], next(e["cksum"] for e in self.index(name)
                                                 if e["vers"] == v["num"]))
        self.assertEqual(versions[("lk-fancy", "0.1.0")]["yanked"], "t")
        self.assertEqual(versions[("lk-fancy", "0.2.0")]["yanked"], "f")
        self.assertEqual(len(versions), len(rows["versions"]))
        ids = {v["id"] for v in rows["versions"]}
        self.assertTrue(all(d["version_id"] in ids for d in rows["version_downloads"]))
        self.assertTrue(all(int(d["downloads"]) >= 0 for d in rows["version_downloads"]))
        fancy = versions[("lk-fancy", "0.2.0")]["id"]
        deps = [d for d in rows["dependencies"] if d["version_id"] == fancy]
        self.assertIn(("itoa", "alias"), [(crates[d["crate_id"]], d["explicit_name"])
                                          for d in deps])
        # Yanking shows in the next dump.
        self.control("POST", "yank", {"crate": "itoa", "version": "1.0.1"})
        try:
            _, tables = self.read_dump()
            itoa = next(r for r in csv.DictReader(io.StringIO(tables["data/versions.csv"]))
                        if r["num"] == "1.0.1" and crates[r["crate_id"]] == "itoa")
            self.assertEqual(itoa["yanked"], "t")
        finally:
            self.control("POST", "yank", {"crate": "itoa", "version": "1.0.1",
                                          "yanked": False})

    def test_crater_at_home_reads_the_dump(self):
        binary = os.environ.get("CAH_BINARY")
        if not binary or not os.path.exists(binary):
            self.skipTest("CAH_BINARY (crater-at-home) not built")
        _, tables = self.read_dump()
        crates = {r["id"]: r["name"] for r in csv.DictReader(io.StringIO(tables["data/crates.csv"]))}
        totals = {}
        version_crate = {r["id"]: r["crate_id"] for r in
                         csv.DictReader(io.StringIO(tables["data/versions.csv"]))}
        for r in csv.DictReader(io.StringIO(tables["data/version_downloads.csv"])):
            name = crates[version_crate[r["version_id"]]]
            totals[name] = totals.get(name, 0) + int(r["downloads"])
        expected = sorted(totals, key=lambda n: (-totals[n], n))[:5]
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.tmp, "xdg"))
        done = subprocess.run([binary, "crates", "--db-dump", f"{self.base}/db-dump.tar.gz",
                               "--crates", "5"], capture_output=True, text=True, env=env,
                              timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        listed = [line.split()[0] for line in done.stdout.splitlines()[1:]]
        self.assertEqual(listed, expected)


class ReuseTest(unittest.TestCase):
    def test_second_start_reuses_state_and_only_limits(self):
        tmp = tempfile.mkdtemp(prefix="lookalike-reuse-")
        try:
            state = os.path.join(tmp, "state")
            only = os.path.join(tmp, "only.txt")
            write(only, "# the few we need\nitoa\nsemver  # and this\nno-such-crate\n")
            first = Server(["--source", DEBIAN, "--state", state, "--only", only],
                           os.path.join(tmp, "1.err"))
            cksum = json.loads(request(f"{first.base}/index/it/oa/itoa")[2])["cksum"]
            self.assertEqual(first.stop()[0], 0)
            self.assertIn("2 .crate files made, 0 reused", first.log())
            self.assertIn("--only names no source has: no-such-crate", first.log())
            second = Server(["--source", DEBIAN, "--state", state, "--only", only],
                            os.path.join(tmp, "2.err"))
            conn = http.client.HTTPConnection(second.base.removeprefix("http://"))
            try:
                self.assertIn("0 .crate files made, 2 reused", second.log())
                body = request(f"{second.base}/index/it/oa/itoa")[2]
                self.assertEqual(json.loads(body)["cksum"], cksum)
                self.assertEqual(request(f"{second.base}/index/re/ge/regex")[0], 404)
                # A request in flight (a 30 s slow fault) does not hold up the stop.
                request(f"{second.base}/_control/faults", "POST",
                        {"rules": [{"path": "semver", "mode": "slow", "seconds": 30}]})
                conn.request("GET", "/index/se/mv/semver")
                time.sleep(0.2)
            finally:
                status, seconds = second.stop(signal.SIGINT)
                conn.close()
            self.assertEqual(status, 0)
            self.assertLess(seconds, 1.0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
