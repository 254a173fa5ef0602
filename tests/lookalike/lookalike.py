#!/usr/bin/env python3
"""A crates.io lookalike on loopback, for tests and benchmarks.

Serves a sparse index, .crate downloads and a db-dump made from directory
registries (Debian's /usr/share/cargo/registry, tests/crates), with a control
API to yank versions and inject faults. Python 3.11 standard library only.
See README.md beside this file for the contract.
"""

import argparse
import collections
import concurrent.futures
import csv
import gzip
import hashlib
import http.server
import io
import json
import os
import re
import signal
import socket
import struct
import sys
import tarfile
import threading
import time
import tomllib
import urllib.parse
from email.utils import formatdate

# Bumped whenever the .crate bytes this script makes would change, so that
# a state folder from an older script is not reused.
CRATE_FORMAT = "1"
# What `cargo package` uses for every entry's mtime (2006-07-24).
TAR_MTIME = 1153704088
GENERATION_THREADS = min(4, os.cpu_count() or 1)
CONTROL_PREFIX = "/_control/"
LOG_ENTRIES = 1_000_000  # what /_control/log keeps in memory
FAULT_MODES = {"404", "500", "429", "truncate", "reset", "wrong-checksum", "slow"}
DEP_KINDS = {
    "dependencies": "normal",
    "dev-dependencies": "dev",
    "dev_dependencies": "dev",
    "build-dependencies": "build",
    "build_dependencies": "build",
}


def note(message):
    print(f"lookalike: {message}", file=sys.stderr, flush=True)


# --- versions -------------------------------------------------------------

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(version):
    """Sort key in SemVer precedence; what is not SemVer sorts first, by text."""
    m = _SEMVER.match(version)
    if not m:
        return (0, (), (), version)
    core = tuple(int(x) for x in m.group(1, 2, 3))
    pre = m.group(4)
    if pre is None:
        return (1, core, (1,), version)  # a release sorts after its pre-releases
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (1, core, (0, parts), version)


# --- manifests ------------------------------------------------------------


def index_path(name):
    """Cargo's index file path for a crate name (lowercased)."""
    n = name.lower()
    if len(n) == 1:
        return f"1/{n}"
    if len(n) == 2:
        return f"2/{n}"
    if len(n) == 3:
        return f"3/{n[0]}/{n}"
    return f"{n[0:2]}/{n[2:4]}/{n}"


def normalize_req(req):
    """Cargo publishes "1.0" as "^1.0"; a comparator with no operator gets a caret."""
    parts = []
    for part in req.split(","):
        part = part.strip()
        if part and part[0].isdigit():
            part = "^" + part
        parts.append(part)
    return ", ".join(parts) if parts else "*"


def parse_dep(name, spec, kind, target):
    """One index dependency from a manifest entry, or None when cargo publish drops it."""
    dep = {
        "name": name,
        "req": "*",
        "features": [],
        "optional": False,
        "default_features": True,
        "target": target,
        "kind": kind,
        "registry": None,
    }
    if isinstance(spec, str):
        dep["req"] = normalize_req(spec)
        return dep
    if not isinstance(spec, dict):
        return dep
    version = spec.get("version")
    if isinstance(version, str):
        dep["req"] = normalize_req(version)
    elif kind == "dev" and ("path" in spec or "git" in spec):
        return None  # cargo publish strips dev-dependencies without a version
    features = spec.get("features")
    if isinstance(features, list):
        dep["features"] = [f for f in features if isinstance(f, str)]
    if isinstance(spec.get("optional"), bool):
        dep["optional"] = spec["optional"]
    for key in ("default-features", "default_features"):
        if isinstance(spec.get(key), bool):
            dep["default_features"] = spec[key]
    if isinstance(spec.get("package"), str) and spec["package"] != name:
        dep["package"] = spec["package"]
    return dep


def manifest_deps(manifest):
    deps = []

    def add_tables(tables, target):
        for table, kind in DEP_KINDS.items():
            entries = tables.get(table)
            if not isinstance(entries, dict):
                continue
            for name, spec in entries.items():
                dep = parse_dep(name, spec, kind, target)
                if dep is not None:
                    deps.append(dep)

    add_tables(manifest, None)
    targets = manifest.get("target")
    if isinstance(targets, dict):
        for target, tables in targets.items():
            if isinstance(tables, dict):
                add_tables(tables, target)
    return deps


def manifest_features(manifest):
    """(features, features2): crates.io moves any feature using dep: or ?/ to features2."""
    features, features2 = {}, {}
    table = manifest.get("features")
    if not isinstance(table, dict):
        return features, features2
    for name, values in table.items():
        values = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
        new_syntax = any(v.startswith("dep:") or "?/" in v for v in values)
        (features2 if new_syntax else features)[name] = values
    return features, features2


def text_field(package, key):
    value = package.get(key)
    return value if isinstance(value, str) else None


class Release:
    """One published version: where its files are and what the index says of it."""

    def __init__(self, folder, manifest):
        package = manifest["package"]
        self.folder = folder
        self.name = package["name"]
        self.vers = package["version"]
        self.deps = manifest_deps(manifest)
        self.features, self.features2 = manifest_features(manifest)
        self.links = text_field(package, "links")
        self.rust_version = text_field(package, "rust-version")
        self.description = text_field(package, "description") or ""
        self.license = text_field(package, "license") or ""
        self.homepage = text_field(package, "homepage") or ""
        self.repository = text_field(package, "repository") or ""
        self.documentation = text_field(package, "documentation") or ""
        self.files = []  # (path in the crate, absolute path, executable)
        self.fingerprint = ""
        self.newest_mtime = 0.0
        self.crate_file = ""
        self.cksum = ""
        self.size = 0

    @property
    def key(self):
        return (self.name.lower(), self.vers)

    def index_entry(self, yanked):
        entry = {
            "name": self.name,
            "vers": self.vers,
            "deps": self.deps,
            "cksum": self.cksum,
            "features": self.features,
            "yanked": yanked,
            "links": self.links,
            "rust_version": self.rust_version,
            "v": 2 if self.features2 else 1,
            # crates.io's publication time; here the newest source file's.
            "pubtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(self.newest_mtime))),
        }
        if self.features2:
            entry["features2"] = self.features2
        return entry


def read_manifest(folder):
    """The folder's manifest if it describes a package, else None (with a note)."""
    path = os.path.join(folder, "Cargo.toml")
    try:
        with open(path, "rb") as f:
            manifest = tomllib.load(f)
    except FileNotFoundError:
        note(f"skipped {folder}: no Cargo.toml")
        return None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        note(f"skipped {folder}: unreadable Cargo.toml: {e}")
        return None
    package = manifest.get("package")
    if not isinstance(package, dict):
        if "workspace" not in manifest:
            note(f"skipped {folder}: no [package] in Cargo.toml")
        return None
    name, vers = package.get("name"), package.get("version")
    if not isinstance(name, str) or not name or not isinstance(vers, str) or not vers:
        note(f"skipped {folder}: [package] has no literal name and version")
        return None
    if "/" in name or "/" in vers or name.startswith("."):
        note(f"skipped {folder}: unusable name or version {name!r} {vers!r}")
        return None
    return manifest


# --- .crate files ---------------------------------------------------------


def list_files(folder):
    """Every file cargo would pack, sorted: symlinks followed, no .cargo-checksum.json,
    no top-level target/ or .git/."""
    files = []
    seen_dirs = set()
    for root, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add(real)
        rel_root = os.path.relpath(root, folder)
        if rel_root == ".":
            dirs[:] = [d for d in dirs if d not in ("target", ".git")]
        for name in names:
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            if rel == ".cargo-checksum.json":
                continue
            full = os.path.join(root, name)
            try:
                st = os.stat(full)
            except OSError:
                continue  # a dangling symlink
            if not os.path.isfile(full):
                continue
            files.append((rel.replace(os.sep, "/"), full, st))
    files.sort(key=lambda f: f[0])
    return files


def make_crate(prefix, files):
    """Deterministic gzipped tar: sorted entries under prefix/, fixed mtime, gzip mtime 0."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for rel, full, executable in files:
                with open(full, "rb") as f:
                    data = f.read()
                info = tarfile.TarInfo(f"{prefix}/{rel}")
                info.size = len(data)
                info.mtime = TAR_MTIME
                info.mode = 0o755 if executable else 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_atomically(path, data):
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def prepare_crate(release, crates_dir):
    """Make (or reuse) the release's .crate in the state folder; sets cksum."""
    listing = list_files(release.folder)
    h = hashlib.sha256(f"{CRATE_FORMAT}\0{release.name}\0{release.vers}\0".encode())
    release.files = []
    for rel, full, st in listing:
        executable = bool(st.st_mode & 0o111)
        release.files.append((rel, full, executable))
        release.newest_mtime = max(release.newest_mtime, st.st_mtime)
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{int(executable)}\0".encode())
    release.fingerprint = h.hexdigest()
    base = os.path.join(crates_dir, f"{release.name}-{release.vers}")
    release.crate_file = base + ".crate"
    stamp = base + ".stamp"
    try:
        with open(stamp) as f:
            fingerprint, cksum, size = f.read().split()
        if fingerprint == release.fingerprint and os.path.getsize(release.crate_file) == int(size):
            release.cksum, release.size = cksum, int(size)
            return False
    except (OSError, ValueError):
        pass
    data = make_crate(f"{release.name}-{release.vers}", release.files)
    release.cksum = hashlib.sha256(data).hexdigest()
    release.size = len(data)
    write_atomically(release.crate_file, data)
    write_atomically(stamp, f"{release.fingerprint} {release.cksum} {release.size}\n".encode())
    return True


# --- the registry ---------------------------------------------------------


def read_name_list(path):
    names = set()
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            names.update(word.lower() for word in line.split())
    return names


def downloads_of(name, table):
    """Recent downloads: from --downloads, else a stable number from the name's hash."""
    if name in table:
        return table[name]
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return 10 ** (2 + h % 6) + h % 1000  # 100 .. 10^7, spread over magnitudes


class Registry:
    def __init__(self, sources, state, only=None, downloads=None):
        self.state = state
        self.crates_dir = os.path.join(state, "crates")
        os.makedirs(self.crates_dir, exist_ok=True)
        self.releases = {}  # (lowercase name, vers) -> Release
        self.by_name = {}  # lowercase name -> [Release] by version
        self.yanked = set()  # (lowercase name, vers)
        self.downloads = downloads or {}
        self.lock = threading.Lock()
        self.index = {}  # index path -> (body, etag, last_modified)
        self.dump = None  # (body, etag) until a yank changes it
        self.newest_mtime = 0.0
        self._load(sources, only)

    def _load(self, sources, only):
        started = time.monotonic()
        wanted = {}  # key -> Release, first source wins
        for source in sources:
            try:
                entries = sorted(os.listdir(source))
            except OSError as e:
                raise SystemExit(f"lookalike: cannot read source {source}: {e}")
            for entry in entries:
                folder = os.path.join(source, entry)
                if not os.path.isdir(folder) or entry.startswith("."):
                    continue
                manifest = read_manifest(folder)
                if manifest is None:
                    continue
                try:
                    release = Release(folder, manifest)
                except Exception as e:  # whatever a manifest holds, generation goes on
                    note(f"skipped {folder}: odd manifest: {e!r}")
                    continue
                if only is not None and release.name.lower() not in only:
                    continue
                if release.key in wanted:
                    note(f"skipped {folder}: {release.name} {release.vers} "
                         f"already comes from {wanted[release.key].folder}")
                    continue
                wanted[release.key] = release

        def prepare(release):
            try:
                return release, prepare_crate(release, self.crates_dir)
            except Exception as e:
                note(f"skipped {release.folder}: {e!r}")
                return release, None

        # zlib lets go of the GIL while it compresses, so threads overlap that with
        # reading files and writing tar headers.
        made = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=GENERATION_THREADS) as pool:
            for release, fresh in pool.map(prepare, wanted.values()):
                if fresh is None:
                    continue
                made += fresh
                self.releases[release.key] = release
                self.by_name.setdefault(release.key[0], []).append(release)
                self.newest_mtime = max(self.newest_mtime, release.newest_mtime)
        if only is not None and only - self.by_name.keys():
            note(f"--only names no source has: {' '.join(sorted(only - self.by_name.keys()))}")
        for releases in self.by_name.values():
            releases.sort(key=lambda r: semver_key(r.vers))
        for name in self.by_name:
            self._make_index(name)
        note(f"{len(self.releases)} versions of {len(self.by_name)} crates "
             f"({made} .crate files made, {len(self.releases) - made} reused) "
             f"in {time.monotonic() - started:.2f} s")

    def _make_index(self, lname):
        lines = [json.dumps(r.index_entry(r.key in self.yanked), separators=(",", ":"))
                 for r in self.by_name[lname]]
        body = ("\n".join(lines) + "\n").encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        path = index_path(lname)
        self.index[path] = (body, etag, formatdate(time.time(), usegmt=True))
        disk = os.path.join(self.state, "index", path)
        os.makedirs(os.path.dirname(disk), exist_ok=True)
        write_atomically(disk, body)

    def find(self, name, vers):
        return self.releases.get((name.lower(), vers))

    def set_yanked(self, name, vers, yanked):
        release = self.find(name, vers)
        if release is None:
            return False
        with self.lock:
            if yanked:
                self.yanked.add(release.key)
            else:
                self.yanked.discard(release.key)
            self._make_index(release.key[0])
            self.dump = None
        return True

    def crate_bytes(self, release):
        with open(release.crate_file, "rb") as f:
            return f.read()

    def db_dump(self):
        with self.lock:
            if self.dump is None:
                body = make_dump(self)
                self.dump = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
                write_atomically(os.path.join(self.state, "db-dump.tar.gz"), body)
            return self.dump


# --- the db-dump ----------------------------------------------------------


def pg_bool(value):
    return "t" if value else "f"


def pg_array(values):
    def element(v):
        if v == "" or any(c in v for c in ',{}"\\ ') or v.upper() == "NULL":
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return v
    return "{" + ",".join(element(v) for v in values) + "}"


def csv_table(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def make_dump(registry):
    """crates.io's dump layout: YYYY-MM-DD-HHMMSS/{metadata.json,README.md,data/*.csv}.
    Ids are dense and follow name and version order, so the same sources give
    the same bytes; the top folder's time is the newest source file's."""
    stamp = time.gmtime(int(registry.newest_mtime))
    prefix = time.strftime("%Y-%m-%d-%H%M%S", stamp)
    when = time.strftime("%Y-%m-%d %H:%M:%S.000000+00", stamp)
    day = time.strftime("%Y-%m-%d", stamp)
    names = sorted(registry.by_name)
    crate_ids = {n: i + 1 for i, n in enumerate(names)}
    crates, versions, version_downloads, dependencies = [], [], [], []
    version_id = dep_id = 0
    for lname in names:
        releases = registry.by_name[lname]
        newest = releases[-1]
        total = downloads_of(newest.name, registry.downloads)
        crates.append([when, newest.description, newest.documentation, total, newest.homepage,
                       crate_ids[lname], "", "", newest.name, "", newest.repository, when])
        share, rest = divmod(total, len(releases))
        for i, r in enumerate(releases):
            version_id += 1
            count = share + (rest if i == len(releases) - 1 else 0)
            features = dict(r.features, **r.features2)
            versions.append(["{}", r.cksum, crate_ids[lname], r.size, when, count,
                             json.dumps(features, separators=(",", ":")), "t", version_id,
                             r.license, r.links or "", r.vers, "", r.rust_version or "", when,
                             pg_bool(r.key in registry.yanked)])
            version_downloads.append([day, count, version_id])
            for d in r.deps:
                target_id = crate_ids.get(d.get("package", d["name"]).lower())
                if target_id is None:
                    continue  # crates.io only has rows for crates it has
                dep_id += 1
                dependencies.append([target_id, pg_bool(d["default_features"]),
                                     d["name"] if "package" in d else "",
                                     pg_array(d["features"]), dep_id,
                                     {"normal": 0, "build": 1, "dev": 2}[d["kind"]],
                                     pg_bool(d["optional"]), d["req"], d["target"] or "",
                                     version_id])
    metadata = json.dumps({"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp),
                           "crates_io_commit": "lookalike"}).encode() + b"\n"
    files = [
        ("README.md", b"# crates.io database dump (lookalike)\n"),
        ("data/crates.csv", csv_table(
            ["created_at", "description", "documentation", "downloads", "homepage", "id",
             "max_features", "max_upload_size", "name", "readme", "repository", "updated_at"],
            crates)),
        ("data/dependencies.csv", csv_table(
            ["crate_id", "default_features", "explicit_name", "features", "id", "kind",
             "optional", "req", "target", "version_id"], dependencies)),
        ("data/version_downloads.csv", csv_table(["date", "downloads", "version_id"],
                                                 version_downloads)),
        ("data/versions.csv", csv_table(
            ["bin_names", "checksum", "crate_id", "crate_size", "created_at", "downloads",
             "features", "has_lib", "id", "license", "links", "num", "published_by",
             "rust_version", "updated_at", "yanked"], versions)),
        ("metadata.json", metadata),
    ]
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path, data in files:
                info = tarfile.TarInfo(f"{prefix}/{path}")
                info.size = len(data)
                info.mtime = int(registry.newest_mtime)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# --- faults ---------------------------------------------------------------


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    @staticmethod
    def parse(body):
        rules = []
        if not isinstance(body, dict) or not isinstance(body.get("rules"), list):
            raise ValueError('expected {"rules": [...]}')
        for rule in body["rules"]:
            if not isinstance(rule, dict):
                raise ValueError("a rule must be an object")
            mode = str(rule.get("mode"))
            if mode not in FAULT_MODES:
                raise ValueError(f"unknown mode {mode!r}; modes: {sorted(FAULT_MODES)}")
            count = rule.get("count")
            if count is not None and (not isinstance(count, int) or count < 0):
                raise ValueError("count must be a whole number")
            seconds = rule.get("seconds", 1)
            if not isinstance(seconds, (int, float)) or seconds < 0:
                raise ValueError("seconds must be a number")
            rules.append({"path": re.compile(str(rule.get("path", ""))), "mode": mode,
                          "count": count, "seconds": seconds})
        return rules

    def replace(self, rules):
        with self.lock:
            self.rules = rules

    def describe(self):
        with self.lock:
            return [{"path": r["path"].pattern, "mode": r["mode"], "count": r["count"],
                     "seconds": r["seconds"]} for r in self.rules]

    def take(self, path, is_download):
        """The first live rule matching path, with one use of it spent."""
        with self.lock:
            for rule in self.rules:
                if rule["count"] == 0 or not rule["path"].search(path):
                    continue
                if rule["mode"] == "wrong-checksum" and not is_download:
                    continue
                if rule["count"] is not None:
                    rule["count"] -= 1
                return dict(rule)
        return None


# --- HTTP -----------------------------------------------------------------


class Response:
    def __init__(self, status, body=b"", content_type="text/plain; charset=utf-8",
                 headers=None, release=None):
        self.status = status
        self.body = body
        self.headers = {"Content-Type": content_type, **(headers or {})}
        self.release = release  # set for .crate downloads


def text(status, message):
    return Response(status, (message + "\n").encode())


def json_response(status, value):
    return Response(status, (json.dumps(value) + "\n").encode(), "application/json")


_API_DOWNLOAD = re.compile(r"^/api/v1/crates/([^/]+)/([^/]+)/download$")
_STATIC_DOWNLOAD = re.compile(r"^/crates/([^/]+)/([^/]+)\.crate$")


class Lookalike(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address, registry, access_log):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.registry = registry
        self.faults = Faults()
        self.log_lock = threading.Lock()
        self.log = collections.deque(maxlen=LOG_ENTRIES)  # the oldest go first
        self.access_log = open(access_log, "a") if access_log else None
        host = address[0]
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        self.base = f"http://{host}:{self.server_address[1]}"

    def record(self, entry):
        line = json.dumps(entry)
        with self.log_lock:
            self.log.append(entry)
            if self.access_log:
                self.access_log.write(line + "\n")
                self.access_log.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "lookalike"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and the
        # client's delayed ACK hold every small answer for 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # the access log replaces stderr lines
        pass

    def do_GET(self):
        self.serve(send_body=True)

    def do_HEAD(self):
        self.serve(send_body=False)

    def do_POST(self):
        self.serve(send_body=True)

    def do_DELETE(self):
        self.serve(send_body=True)

    def do_PUT(self):
        self.serve(send_body=True)

    # --- dispatch

    def serve(self, send_body):
        started = time.time()
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        request_body = self.rfile.read(length) if length > 0 else b""
        if path.startswith(CONTROL_PREFIX):
            self.send(self.control(path, request_body), send_body)
            return
        entry = {"method": self.command, "path": path, "status": 0, "bytes": 0,
                 "time": started}
        try:
            response = self.route(path)
            fault = self.server.faults.take(path, response.release is not None)
            if fault:
                entry["fault"] = fault["mode"]
                response = self.apply(fault, response)
            if response is None:  # reset
                self.reset()
            elif fault and fault["mode"] == "truncate":
                entry["status"] = response.status
                entry["bytes"] = self.send_truncated(response, send_body)
            else:
                entry["status"] = response.status
                entry["bytes"] = self.send(response, send_body)
        finally:
            entry["duration"] = round(time.time() - started, 6)
            self.server.record(entry)

    def route(self, path):
        registry = self.server.registry
        if self.command not in ("GET", "HEAD"):
            return text(405, "method not allowed")
        if path == "/index/config.json":
            base = self.base()
            return json_response(200, {"dl": f"{base}/api/v1/crates", "api": base})
        if path.startswith("/index/"):
            found = registry.index.get(path[len("/index/"):].lower())
            if found is None:
                return text(404, "not found")
            body, etag, modified = found
            if self.not_modified(etag):
                return Response(304, headers={"ETag": etag, "Last-Modified": modified})
            return Response(200, body, "text/plain",
                            {"ETag": etag, "Last-Modified": modified,
                             "Cache-Control": "public,max-age=600"})
        m = _API_DOWNLOAD.match(path) or _STATIC_DOWNLOAD.match(path)
        if m:
            name, vers = (urllib.parse.unquote(g) for g in m.groups())
            if m.re is _STATIC_DOWNLOAD:
                if not vers.startswith(name + "-"):
                    return text(404, "not found")
                vers = vers[len(name) + 1:]
            release = registry.find(name, vers)
            if release is None:
                return text(404, f"crate {name} {vers} does not exist")
            etag = f'"{release.cksum[:32]}"'
            if self.not_modified(etag):
                return Response(304, headers={"ETag": etag})
            return Response(200, registry.crate_bytes(release), "application/gzip",
                            {"ETag": etag}, release=release)
        if path == "/db-dump.tar.gz":
            body, etag = registry.db_dump()
            if self.not_modified(etag):
                return Response(304, headers={"ETag": etag})
            return Response(200, body, "application/gzip", {"ETag": etag})
        return text(404, "not found")

    def base(self):
        # Through another address (a container's view of the host), dl must follow it.
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.base

    def not_modified(self, etag):
        tags = self.headers.get("If-None-Match")
        return tags is not None and (tags.strip() == "*" or etag in
                                     [t.strip() for t in tags.split(",")])

    # --- faults

    def apply(self, fault, response):
        mode = fault["mode"]
        if mode == "slow":
            time.sleep(fault["seconds"])
            return response
        if mode == "404":
            return text(404, "not found (fault)")
        if mode == "500":
            return text(500, "internal server error (fault)")
        if mode == "429":
            seconds = fault["seconds"]
            shown = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
            return Response(429, b"too many requests (fault)\n",
                            headers={"Retry-After": shown})
        if mode == "reset":
            return None
        if mode == "wrong-checksum":
            # Same tar, another gzip header time: a valid .crate with other bytes.
            tar = gzip.decompress(response.body)
            body = gzip.compress(tar, compresslevel=6, mtime=TAR_MTIME)
            return Response(200, body, "application/gzip", release=response.release)
        return response  # truncate: sent by send_truncated

    def reset(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()  # the fd closes (RST) once rfile/wfile let go
        except OSError:
            pass

    def send_truncated(self, response, send_body):
        body = response.body if send_body else b""
        self.write_head(response, len(response.body))
        half = body[: len(body) // 2]
        self.close_connection = True
        try:
            self.wfile.write(half)
            self.wfile.flush()
        except OSError:
            pass
        return len(half)

    # --- sending

    def write_head(self, response, length):
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if response.status != 304:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def send(self, response, send_body):
        self.write_head(response, len(response.body))
        if send_body and response.status != 304 and response.body:
            try:
                self.wfile.write(response.body)
            except OSError:
                self.close_connection = True
                return 0
            return len(response.body)
        return 0

    # --- control API

    def control(self, path, body):
        server = self.server
        what = path[len(CONTROL_PREFIX):]
        try:
            value = json.loads(body) if body.strip() else None
        except ValueError as e:
            return text(400, f"bad JSON: {e}")
        if what == "faults":
            if self.command == "GET":
                return json_response(200, {"rules": server.faults.describe()})
            if self.command == "DELETE":
                server.faults.replace([])
                return json_response(200, {"rules": []})
            if self.command == "POST":
                try:
                    server.faults.replace(Faults.parse(value))
                except (ValueError, re.error) as e:
                    return text(400, str(e))
                return json_response(200, {"rules": server.faults.describe()})
        if what == "log":
            with server.log_lock:
                if self.command == "GET":
                    return json_response(200, list(server.log))
                if self.command == "DELETE":
                    server.log.clear()
                    return json_response(200, [])
        if what == "yank" and self.command == "POST":
            if not isinstance(value, dict) or not isinstance(value.get("crate"), str) \
                    or not isinstance(value.get("version"), str):
                return text(400, 'expected {"crate": NAME, "version": VERSION, "yanked": bool}')
            yanked = bool(value.get("yanked", True))
            if not server.registry.set_yanked(value["crate"], value["version"], yanked):
                return text(404, f"no {value['crate']} {value['version']} here")
            return json_response(200, {"crate": value["crate"], "version": value["version"],
                                       "yanked": yanked})
        return text(404, "unknown control path")


# --- main -----------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description="A crates.io lookalike on loopback.")
    p.add_argument("--source", action="append", required=True,
                   help="a directory registry (one folder per crate); repeatable")
    p.add_argument("--state", required=True, help="a folder for generated files")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--only", help="file of crate names to publish (default: all)")
    p.add_argument("--yank", action="append", default=[], metavar="NAME@VERSION")
    p.add_argument("--access-log", help="append one JSON line per request")
    p.add_argument("--downloads", help="file of NAME COUNT lines: recent downloads in the dump")
    return p.parse_args(argv)


def read_downloads(path):
    table = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 2 or not words[1].isdigit():
                raise SystemExit(f"lookalike: {path}:{number}: expected NAME COUNT")
            table[words[0]] = int(words[1])
    return table


def main(argv):
    args = parse_args(argv)
    stop = threading.Event()

    def quit_now(*_):
        os._exit(0)  # generation threads would finish their queue first

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, quit_now)  # while generating: stop at once
    only = read_name_list(args.only) if args.only else None
    downloads = read_downloads(args.downloads) if args.downloads else None
    os.makedirs(args.state, exist_ok=True)
    registry = Registry(args.source, args.state, only, downloads)
    for spec in args.yank:
        name, _, vers = spec.partition("@")
        if not registry.set_yanked(name, vers, True):
            raise SystemExit(f"lookalike: --yank {spec}: no such version here")
    server = Lookalike((args.bind, args.port), registry, args.access_log)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread.start()
    print(server.base, flush=True)
    note(f"serving at {server.base} (state in {args.state})")
    while not stop.wait(1):
        pass
    server.shutdown()
    server.server_close()
    note("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
