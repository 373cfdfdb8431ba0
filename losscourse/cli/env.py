"""The command of the environment: ``env sync``, which makes ``.venv`` exactly the lock."""

from __future__ import annotations

import sys
from pathlib import Path


def _env_parser(sub) -> None:
    from ..lockfile import LOCK

    p = sub.add_parser(
        "env",
        help="check or make this environment exactly the lock",
        description="Compare the distributions installed in this Python with the lock, "
        "requirements/lock.txt (make installs it, then runs losscourse env sync). Exit 1, naming each "
        "missing, differing or extra distribution, unless they are the same.",
    )
    p.add_argument(
        "action",
        choices=["check", "sync"],
        help="sync first uninstalls what the lock does not list; check only compares",
    )
    p.add_argument("lock", type=Path, nargs="?", default=LOCK, help="default: requirements/lock.txt")
    p.set_defaults(run=_env)


def _env(args) -> int:
    from .. import lockfile

    if args.action == "sync":
        removed = lockfile.remove_extra(args.lock)
        if removed:
            print(f"Removed what {args.lock} does not list: {', '.join(removed)}")
    found = lockfile.drift(args.lock)
    if found:
        print(f"This environment is not {args.lock}: {found}.", file=sys.stderr)
        print("Remove .venv and run make again (or, after editing pyproject.toml, make lock).", file=sys.stderr)
        return 1
    return 0
