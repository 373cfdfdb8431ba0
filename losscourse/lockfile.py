"""The course's lock, ``requirements/lock.txt``, read and compared with what is installed.

``make lock`` writes the lock with ``uv pip compile --universal --generate-hashes``: every
distribution that ``make book`` and ``make test`` install, at one exact version with its hashes,
valid on every Python the project supports (a line may carry an environment marker, e.g.
``colorama==0.4.6 ; sys_platform == 'win32'``). ``make`` installs it with ``pip install
--require-hashes --no-deps -r requirements/lock.txt`` and then runs ::

    losscourse env sync requirements/lock.txt    # remove what the lock does not list, then check
    losscourse env check requirements/lock.txt   # exit 1 unless the venv is exactly the lock

so a venv made from an older lock ends up exactly at the new one. The course itself (``losslib``,
installed editable from the checkout) is the one distribution outside the lock.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
OWN = frozenset({"losslib"})  # the project's own distribution: installed from the checkout, not locked


@dataclass(frozen=True)
class Pin:
    """One requirement of a lock: ``name==version [; marker]`` and its ``--hash`` options."""

    name: str  # canonical (PEP 503) name
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]

    def applies(self, environment: dict[str, str] | None = None) -> bool:
        """Whether pip installs this line in ``environment`` (default: the running interpreter's)."""
        return self.marker is None or self.marker.evaluate(environment)


def read(path: Path = LOCK) -> list[Pin]:
    """The pins of a requirements file in pip's format, continuation lines joined.

    Raises ``ValueError`` for a line that is not ``name==version`` (a lock pins every line exactly).
    """
    text = Path(path).read_text(encoding="utf-8")
    pins = []
    for number, line in enumerate(re.sub(r"\\\n", " ", text).splitlines(), 1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):  # -c/-r: the derived files name the lock they follow
            continue
        requirement_text, *options = re.split(r"\s+--", line)
        requirement = Requirement(requirement_text)
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            raise ValueError(f"{path}: logical line {number} ({requirement_text!r}) is not pinned with '=='")
        hashes = tuple(o.split("=", 1)[1] for o in options if o.startswith("hash="))
        pins.append(Pin(canonicalize_name(requirement.name), specs[0].version, requirement.marker, hashes))
    return pins


def wanted(path: Path = LOCK, environment: dict[str, str] | None = None) -> dict[str, str]:
    """``{name: version}`` that the lock installs in ``environment``; ``ValueError`` if a name has two."""
    result: dict[str, str] = {}
    for pin in read(path):
        if pin.applies(environment):
            if pin.name in result and result[pin.name] != pin.version:
                raise ValueError(f"{path}: {pin.name} is pinned twice for this environment")
            result[pin.name] = pin.version
    return result


def installed() -> dict[str, str]:
    """``{name: version}`` of the distributions installed in this environment's site-packages.

    Only site-packages: packages vendored inside another (setuptools' ``_vendor``, which appears
    on ``sys.path`` once ``pkg_resources`` is imported) are not installed distributions.
    """
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    return {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions(path=paths)}


@dataclass(frozen=True)
class Drift:
    missing: dict[str, str]  # locked, not installed: name -> locked version
    wrong: dict[str, tuple[str, str]]  # name -> (locked, installed)
    extra: dict[str, str]  # installed, not locked (the course itself excepted)

    def __bool__(self) -> bool:
        return bool(self.missing or self.wrong or self.extra)

    def __str__(self) -> str:
        parts = []
        if self.wrong:
            parts.append(
                "at another version than locked: "
                + ", ".join(f"{n} {i} (lock: {w})" for n, (w, i) in sorted(self.wrong.items()))
            )
        if self.missing:
            parts.append("locked but not installed: " + ", ".join(f"{n}=={v}" for n, v in sorted(self.missing.items())))
        if self.extra:
            parts.append(
                "installed but not in the lock: " + ", ".join(f"{n} {v}" for n, v in sorted(self.extra.items()))
            )
        return "; ".join(parts) or "exactly the lock"


def drift(path: Path = LOCK, have: dict[str, str] | None = None) -> Drift:
    """How the installed distributions (``have``, default: this interpreter's) differ from the lock."""
    want = wanted(path)
    have = installed() if have is None else have
    return Drift(
        missing={n: v for n, v in want.items() if n not in have},
        wrong={n: (v, have[n]) for n, v in want.items() if n in have and have[n] != v},
        extra={n: v for n, v in have.items() if n not in want and n not in OWN},
    )


def remove_extra(path: Path = LOCK) -> list[str]:
    """Uninstall, with pip, the distributions installed here that the lock does not list (the
    course's own excepted); return their names."""
    extra = sorted(drift(path).extra)
    if extra:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *extra], check=True)
    return extra
