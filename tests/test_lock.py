"""The lock: one committed file of exact versions and hashes that ``make`` installs, from which the
Binder/Colab environment and ``make bench``'s venv derive, and that satisfies pyproject.toml's ranges.

The test that installs a probe package from a local index (one locked version, one newer) is the
"an upstream release changes nothing" check: it runs the Makefile's own install command.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shlex
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from losscourse import cli, lockfile

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
LOCK = REQUIREMENTS / "lock.txt"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# The environments the lock promises: every supported Python on the three desktop systems.
ENVIRONMENTS = [
    {
        "python_version": f"3.{minor}",
        "python_full_version": f"3.{minor}.0",
        "sys_platform": system,
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[system],
        "os_name": "nt" if system == "win32" else "posix",
        "platform_machine": "AMD64" if system == "win32" else "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    for minor in (11, 12, 13, 14)
    for system in ("linux", "darwin", "win32")
]


def _direct_requirements() -> list[Requirement]:
    """What pyproject.toml asks for: the dependencies and the extras the course installs."""
    project = PYPROJECT["project"]
    texts = project["dependencies"] + [
        r for extra in ("course", "student") for r in project["optional-dependencies"][extra]
    ]
    return [Requirement(t) for t in texts]


def test_every_line_of_the_lock_is_pinned_and_hashed():
    pins = lockfile.read(LOCK)
    assert len(pins) > 100, "the lock holds the whole transitive closure"
    unhashed = [p.name for p in pins if not p.hashes or not all(h.startswith("sha256:") for h in p.hashes)]
    assert not unhashed, f"lines without sha256 hashes: {unhashed}"


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda e: f"py{e['python_version']}-{e['sys_platform']}")
def test_the_lock_gives_one_version_of_everything_pyproject_asks_for(env):
    want = lockfile.wanted(LOCK, env)  # raises if a name is pinned twice here
    for requirement in _direct_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate(env):
            continue
        name = canonicalize_name(requirement.name)
        assert name in want, f"pyproject.toml asks for {requirement}, the lock has no {name}: run make lock"
        assert requirement.specifier.contains(want[name], prereleases=True), (
            f"the lock's {name}=={want[name]} is outside pyproject.toml's {requirement}: run make lock"
        )


def test_this_environment_is_exactly_the_lock():
    import setuptools  # noqa: F401 - puts its vendored packages on sys.path: they are not installed ones

    found = lockfile.drift(LOCK)
    assert not found, f"{found}. make installs requirements/lock.txt; remove .venv and run make again"


def test_the_derived_environments_use_the_locks_versions():
    lock = {p.name: p.version for p in lockfile.read(LOCK)}
    for derived in ("student.txt", "bench.txt"):
        pins = lockfile.read(REQUIREMENTS / derived)
        differ = {p.name: (p.version, lock[p.name]) for p in pins if p.name in lock and lock[p.name] != p.version}
        assert not differ, f"requirements/{derived} differs from the lock: {differ}; run make lock"
    student = {p.name for p in lockfile.read(REQUIREMENTS / "student.txt")}
    assert {"numpy", "scipy", "matplotlib"} <= student and student <= set(lock)
    bench = {p.name for p in lockfile.read(REQUIREMENTS / "bench.txt")}
    assert "numpy" in bench and all(p.hashes for p in lockfile.read(REQUIREMENTS / "bench.txt"))


def _make_commands(target: str) -> list[str]:
    """What ``make -B -n TARGET`` would run (every recipe line, nothing executed)."""
    out = subprocess.run(["make", "-B", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_make_installs_nothing_but_the_lock():
    """Every pip install that make runs takes a lock with hashes and --no-deps, or the course itself."""
    for target in ("test", "book", "bench"):
        installs = [c for c in _make_commands(target) if " pip install" in c]
        assert installs, f"make {target} installs nothing?"
        for command in installs:
            args = shlex.split(command)
            if "-r" in args:
                assert {"--require-hashes", "--no-deps"} <= set(args), command
                assert args[args.index("-r") + 1] in ("requirements/lock.txt", "requirements/bench.txt"), command
            else:
                assert "--no-deps" in args, f"an install that resolves dependencies beyond the lock: {command}"
                rest = args[args.index("install") + 1 :]
                targets = [a for a in rest if not a.startswith("-")]
                assert targets in (["."], ["torch==2.13.0"]), f"only the course or an exact torch: {command}"


def _wheel(folder: Path, name: str, version: str) -> Path:
    """A minimal pure-Python wheel of ``name`` ``version``."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"__version__ = '{version}'\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }

    def record(data: str) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b"=").decode()
        return f"sha256={digest},{len(data.encode())}"

    files[f"{dist}/RECORD"] = "".join(f"{p},{record(d)}\n" for p, d in files.items()) + f"{dist}/RECORD,,\n"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for p, d in files.items():
            z.writestr(p, d)
    return path


def test_a_newer_upstream_release_changes_nothing(tmp_path):
    """The Makefile's install command, run against an index where 2.0 is newer than the locked 1.0."""
    index = tmp_path / "index"
    index.mkdir()
    locked = _wheel(index, "lockprobe", "1.0")
    _wheel(index, "lockprobe", "2.0")
    lock = tmp_path / "lock.txt"
    lock.write_text(f"lockprobe==1.0 \\\n    --hash=sha256:{hashlib.sha256(locked.read_bytes()).hexdigest()}\n")

    [command] = [c for c in _make_commands("test") if "requirements/lock.txt" in c and " pip install" in c]
    args = shlex.split(command)
    args[args.index("requirements/lock.txt")] = str(lock)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    assert args[0].endswith("/python"), command
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index)}

    def version_after(*pip_args: str) -> str:
        subprocess.run([python, *pip_args], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [python, "-c", "import lockprobe; print(lockprobe.__version__)"], env=env, capture_output=True, text=True
        )
        return out.stdout.strip()

    assert version_after("-m", "pip", "install", "--quiet", "lockprobe") == "2.0", "the index offers the newer 2.0"
    subprocess.run([python, "-m", "pip", "uninstall", "--yes", "lockprobe"], env=env, check=True, capture_output=True)
    assert version_after(*args[1:]) == "1.0", "make's install command installs the locked 1.0"


def test_the_lockfile_check_reports_drift_by_name():
    have = dict(lockfile.installed())
    name = "numpy"
    have[name] = "0.0.1"
    have["not-in-the-lock"] = "1.0"
    del have["scipy"]
    found = lockfile.drift(LOCK, have)
    text = str(found)
    assert "numpy 0.0.1 (lock: " in text and "not-in-the-lock 1.0" in text and "scipy==" in text
    assert cli.main(["env", "check", str(LOCK)]) == 0


def test_an_unpinned_line_is_refused(tmp_path):
    bad = tmp_path / "lock.txt"
    bad.write_text("numpy>=2\n")
    with pytest.raises(ValueError, match="numpy>=2.*not pinned"):
        lockfile.read(bad)


def test_python_older_than_311_is_refused_with_a_clear_message():
    """make's first step under an old Python (the check itself runs on any Python 3)."""
    line = next(c for c in _make_commands("test") if "sys.version_info >= (3, 11)" in c)
    code = shlex.split(line)[-1]
    fake = code.replace("sys.version_info >= (3, 11)", "(3, 10) >= (3, 11)").replace(
        "sys.version.split()[0]", "'3.10.13'"
    )
    out = subprocess.run([sys.executable, "-c", fake], capture_output=True, text=True)
    assert out.returncode == 1 and "Python 3.11 or newer is needed; found 3.10.13" in out.stderr
