"""The privacy promise: the library is readable by its user alone, and nothing leaves the
machine (onnxruntime's telemetry is off)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from tiny_models import build_tiny_qwen

from desktop_app.library import Library
from desktop_app.searching import SearchOptions

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

DOCS = {
    "volcanoes.txt": "Volcanoes erupt when magma rises through the crust; lava flows downhill.",
    "taxes.md": "# Taxes\n\nIncome tax returns are due in April. Late filing brings penalties.",
    "birds.txt": "Birds migrate south in autumn to find food and warmer weather.",
}


def write_docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def loose_modes(root: Path) -> list[str]:
    """Everything below ``root`` (itself included) that others could read or enter."""
    out = []
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue
        wanted = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
        if stat.S_IMODE(info.st_mode) & ~wanted:
            out.append(f"{path.relative_to(root.parent)} {oct(stat.S_IMODE(info.st_mode))}")
    return out


@pytest.fixture
def everyday_umask():
    """The usual umask (022), under which files are made world-readable unless the app
    says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@posix_only
def test_a_new_library_is_private(tmp_path, everyday_umask):
    data = tmp_path / "parent" / "data"
    with Library(data) as lib:
        lib.claim_write()
        names = {p.name for p in data.iterdir()}
        assert {"library.sqlite3", ".lock"} <= names
        assert loose_modes(data) == []
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    # a parent the app made for the data folder is the user's alone too
    assert stat.S_IMODE(data.parent.stat().st_mode) == 0o700


@posix_only
def test_indexing_saving_the_graph_and_unpacking_the_model_leave_everything_private(
        tmp_path, everyday_umask):
    docs = write_docs(tmp_path / "docs")
    data = tmp_path / "data"
    with Library(data) as lib:
        lib.add([docs])
        list(lib.sync())
        # while open: the WAL and its shared-memory index exist now
        assert (data / "library.sqlite3-wal").exists()
        assert loose_modes(data) == []
        lib.save_graph()
        assert (data / "vectors.hnsw").exists() and (data / "vectors.json").exists()
        # the bundled model was unpacked under models/ by the first sync
        assert (data / "models" / lib.profile.model_id / "onnx" / "model.onnx").exists()
        assert loose_modes(data) == []
    assert loose_modes(data) == []


@posix_only
def test_a_model_switch_builds_its_new_index_privately(tmp_path, everyday_umask):
    docs = write_docs(tmp_path / "docs")
    tiny = build_tiny_qwen(tmp_path / "tiny-qwen")
    data = tmp_path / "data"
    from desktop_app.embedding import profile_from_folder

    with Library(data) as lib:
        lib.add([docs])
        list(lib.sync())
        seen_build = False
        for _event in lib.switch_model(profile_from_folder(tiny), tiny):
            if (data / "switching").exists():
                seen_build = True
                assert loose_modes(data) == []
        assert seen_build and lib.profile.model_id == "test/tiny-qwen"
    assert not (data / "switching").exists()
    assert loose_modes(data) == []


@posix_only
def test_a_library_made_by_an_earlier_version_is_tightened_on_open(tmp_path):
    docs = write_docs(tmp_path / "docs")
    data = tmp_path / "data"
    with Library(data) as lib:
        lib.add([docs])
        list(lib.sync())
        lib.save_graph()
    # what earlier versions left: 0755 folders, 0644 files
    for path in [data, *data.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert loose_modes(data) != []
    with Library(data) as lib:
        assert loose_modes(data) == []
        assert lib.search("volcano lava", SearchOptions(k=1))[0].path.endswith("volcanoes.txt")


@posix_only
def test_opening_leaves_a_users_own_files_in_the_data_folder_alone(tmp_path):
    data = tmp_path / "shared-folder"
    data.mkdir()
    own = data / "shopping-list.txt"
    own.write_text("bread")
    os.chmod(own, 0o644)
    with Library(data):
        pass
    assert stat.S_IMODE(own.stat().st_mode) == 0o644
    assert stat.S_IMODE((data / "library.sqlite3").stat().st_mode) == 0o600


# -- another account on the same machine -------------------------------------------------

def _as_user(user: str, command: list[str]) -> subprocess.CompletedProcess:
    if shutil.which("runuser"):
        argv = ["runuser", "-u", user, "--", *command]
    else:
        argv = ["su", "-s", "/bin/sh", user, "-c", " ".join(map(str, command))]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


@pytest.fixture
def other_user():
    """A real second account, made for the test and removed after it."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("making a second user account needs root")
    if not shutil.which("useradd") or not shutil.which("userdel"):
        pytest.skip("useradd/userdel are not available on this system")
    if not (shutil.which("runuser") or shutil.which("su")):
        pytest.skip("neither runuser nor su is available to act as another user")
    name = f"dapriv{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", name],
                          capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        pytest.skip(f"cannot create a user account here: {made.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True, timeout=60)


def test_another_user_cannot_read_the_library(tmp_path, other_user):
    # A base folder every account may enter (tmp_path itself is root's alone).
    base = Path(tempfile.mkdtemp(prefix="desktop-app-privacy-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        docs = write_docs(base / "docs")
        for path in [docs, *docs.iterdir()]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        data = base / "data"
        with Library(data) as lib:
            lib.add([docs])
            list(lib.sync())
        db = data / "library.sqlite3"
        # the set-up is sound: the other account reads what is meant to be shared
        control = _as_user(other_user, ["cat", str(docs / "birds.txt")])
        assert control.returncode == 0 and "migrate" in control.stdout
        # the data folder keeps it out ...
        denied = _as_user(other_user, ["cat", str(db)])
        assert denied.returncode != 0 and "Permission denied" in denied.stderr
        # ... and so does each file, should the folder ever be opened up
        os.chmod(data, 0o755)
        denied = _as_user(other_user, ["cat", str(db)])
        assert denied.returncode != 0 and "Permission denied" in denied.stderr
        listing = _as_user(other_user, ["cat", str(data / "vectors.json")])
        assert listing.returncode != 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- nothing leaves the machine -----------------------------------------------------------

_CONNECT = re.compile(r"\b(connect|sendto|sendmsg)\((\d+), \{sa_family=(AF_INET6?),"
                      r"[^}]*?(?:inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")")


def _outside_connections(trace: str) -> list[str]:
    out = []
    for line in trace.splitlines():
        match = _CONNECT.search(line)
        if not match:
            continue
        address = match.group(4) or match.group(5) or ""
        if address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1"):
            continue
        out.append(line.strip())
    return out


#: What switches onnxruntime 1.32's telemetry off besides ours: it stays silent on CI
#: services (their variables are in its library). The test takes them away, so that it sees
#: telemetry start without the app's switch, and stop with it, wherever it runs.
_TELEMETRY_OFF_SWITCHES = frozenset((
    "ORT_DISABLE_TELEMETRY", "CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "TRAVIS",
    "CIRCLECI", "APPVEYOR", "BUILDKITE", "JENKINS_URL", "TEAMCITY_VERSION",
    "CODEBUILD_BUILD_ID", "BITBUCKET_BUILD_NUMBER", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"))


def _telemetry_files(home: Path) -> list[Path]:
    return sorted(p for p in (home / ".cache" / "Microsoft").rglob("*") if p.is_file()) \
        if (home / ".cache" / "Microsoft").exists() else []


@pytest.mark.skipif(not shutil.which("strace"), reason="strace is not installed")
def test_indexing_sends_nothing_and_writes_no_telemetry(tmp_path):
    """onnxruntime 1.32 starts Microsoft's telemetry with its first session: a device id
    and an event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ at once,
    and a look-up and upload to mobile.events.data.microsoft.com about nine seconds later.
    The index below runs well past that (hundreds of passages) under strace."""
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in _TELEMETRY_OFF_SWITCHES}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               DESKTOP_APP_LOG_DIR=str(tmp_path / "logs"))

    # The detector works: onnxruntime on its own writes its telemetry files at once.
    from desktop_app.embedding.bundled import bundled_model_dir

    model = bundled_model_dir(tmp_path / "models") / "onnx" / "model.onnx"
    bare = ("import onnxruntime as ort, sys; "
            "ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])")
    subprocess.run([sys.executable, "-c", bare, str(model)], env=env, check=True,
                   cwd=tmp_path, timeout=120)
    assert _telemetry_files(home), "onnxruntime wrote no telemetry files: detector broken"
    shutil.rmtree(home / ".cache")

    docs = tmp_path / "docs"
    docs.mkdir()
    words = ("harbor glacier meadow basalt orchid tundra lagoon quartz ember willow "
             "reef prairie cobalt jasper nectar savanna").split()
    for i in range(40):
        text = " ".join(f"{words[(i + j) % len(words)]} note {i}-{j}." for j in range(300))
        (docs / f"field-{i:02d}.txt").write_text(text)
    trace = tmp_path / "trace.txt"
    run = subprocess.run(["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace),
                          sys.executable, "-m", "desktop_app", "index", str(docs),
                          "--data-dir", str(tmp_path / "data")],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    if run.returncode != 0 and "ptrace" in run.stderr:
        pytest.skip(f"strace cannot trace here: {run.stderr.strip()[:200]}")
    assert run.returncode == 0, run.stderr
    assert "40 indexed" in run.stdout
    assert _outside_connections(trace.read_text()) == []
    assert _telemetry_files(home) == []


def test_the_package_switches_onnxruntime_telemetry_off_for_every_process():
    code = "import os, desktop_app; print(os.environ.get('ORT_DISABLE_TELEMETRY'))"
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    assert out.strip() == "1"
