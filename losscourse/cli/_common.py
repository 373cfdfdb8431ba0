"""What the commands share: how they report the instructor's mistakes."""

from __future__ import annotations

import sys

from ..assignments import list_assignments


def _fail(message: str, code: int = 2) -> int:
    """The instructor's mistake (or an interrupted run): say so on stderr; exit code 2 (or ``code``)."""
    print(f"losscourse: {message}", file=sys.stderr)
    return code


def _unknown_assignments(names: list[str]) -> str:
    """A message naming the unknown ones among ``names`` and the known ones ('' if all are known)."""
    known = list_assignments()
    unknown = [a for a in names if a not in known]
    if not unknown:
        return ""
    return f"unknown assignment(s) {', '.join(unknown)}: choose from {', '.join(known)}"
