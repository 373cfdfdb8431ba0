"""One command line, ``losscourse COMMAND``: every command is listed and documented, make runs it,
and no module of the course has a command line of its own."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from losscourse import cli, mutation

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


COMMANDS = _commands()


def test_the_help_lists_every_command_on_one_line(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps to the terminal's width
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {}
    for number, line in enumerate(lines):
        match = re.match(r"^    ([a-z-]+)\s{2,}(\S.*)$", line)
        if match:
            listed[match[1]] = match[2]
            follows = lines[number + 1] if number + 1 < len(lines) else ""
            assert not re.match(r"^\s{6,}\S", follows), f"the help of {match[1]} takes more than one line: {follows}"
    assert set(listed) == set(COMMANDS), f"--help lists {sorted(listed)}, the parser has {sorted(COMMANDS)}"
    for required in ("book", "notebooks", "release", "grade", "export", "similarity", "gradebook", "mutate"):
        assert required in listed


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_its_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: losscourse {command}")
    description = COMMANDS[command].description
    assert description and len(description) > 40, f"losscourse {command} --help has no description"


def test_the_installed_command_runs():
    """``pip install -e .`` made the script ``losscourse`` beside this interpreter (pyproject.toml)."""
    script = Path(sys.executable).parent / "losscourse"
    out = subprocess.run([script, "--help"], capture_output=True, text=True, env=dict(os.environ, COLUMNS="100"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: losscourse") and "mutate" in out.stdout


def test_the_help_imports_nothing_heavy():
    """``losscourse --help`` (and ``env sync``, which make runs) import what a command needs only
    when it runs: nbformat, nbconvert, nbgrader and tqdm take seconds to import on a busy machine."""
    code = "import sys; from losscourse import cli; cli.build_parser(); print(sorted(sys.modules))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("'")
    )
    assert not loaded & {"nbformat", "nbconvert", "nbgrader", "tqdm", "numpy"}


def test_make_runs_the_command_line_and_no_module():
    """make's recipes call ``losscourse COMMAND``, never ``python -m losscourse.<module>``."""
    for target in ("book", "release", "test"):
        commands = subprocess.run(
            ["make", "-B", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert not [c for c in commands if "-m losscourse" in c], f"make {target} runs a module: {commands}"
        if target != "test":
            assert f".venv/bin/losscourse {target}" in commands, commands
    assert ".venv/bin/losscourse env sync requirements/lock.txt" in commands


# The command line is the package losscourse/cli/; grader/worker.py is the sandbox's worker script.
OWN_MAIN = {"grader/worker.py"}


def test_no_module_of_the_course_has_a_command_line_of_its_own():
    found = [
        str(path.relative_to(ROOT / "losscourse"))
        for path in sorted((ROOT / "losscourse").rglob("*.py"))
        if re.search(r"^if __name__ == .__main__.:|^import argparse", path.read_text(encoding="utf-8"), re.M)
        and path.parent != ROOT / "losscourse" / "cli"
    ]
    assert set(found) <= OWN_MAIN, f"a command line outside losscourse/cli/: {sorted(set(found) - OWN_MAIN)}"


def test_the_guides_show_the_command_line():
    for guide in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / guide).read_text(encoding="utf-8")
        assert not re.findall(r"python -m losscourse\.\w+", text), f"{guide}: use losscourse COMMAND instead"


def test_book_passes_its_options_to_the_build(monkeypatch, tmp_path):
    from losscourse import book

    calls = []
    monkeypatch.setattr(book, "make_book", lambda out, force_all: calls.append((out, force_all)) or 0)
    assert cli.main(["book"]) == 0
    assert cli.main(["book", "--all", "--out", str(tmp_path / "_build")]) == 0
    assert calls == [(book.ROOT / "_build", False), (tmp_path / "_build", True)]


def test_notebooks_check_reports_stale_twins(monkeypatch, capsys):
    from losscourse.site import twins

    monkeypatch.setattr(twins, "stale_notebooks", lambda: ["book/_notebooks/01-likelihood.ipynb"])
    assert cli.main(["notebooks", "--check"]) == 1
    assert "01-likelihood.ipynb is missing or stale: run losscourse notebooks" in capsys.readouterr().err
    monkeypatch.setattr(twins, "stale_notebooks", lambda: [])
    assert cli.main(["notebooks", "--check"]) == 0


def test_mutate_lists_mutants_and_refuses_unknown_assignments(capsys):
    assert cli.main(["mutate", "01-likelihood", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 20 and all(line.startswith("01-likelihood ") for line in lines)
    assert "return 0.0" in "\n".join(lines)  # the trivial answers are listed too
    assert cli.main(["mutate", "99-nope"]) == 2
    assert "unknown assignment(s) 99-nope: choose from 01-likelihood" in capsys.readouterr().err
    assert cli.main(["mutate", "01-likelihood", "--jobs", "0"]) == 2


def _report(**outcomes) -> mutation.Report:
    """A report whose outcomes are ``kind=[killed, ...]``."""
    found = []
    for kind, killed in outcomes.items():
        for k, dead in enumerate(killed):
            m = mutation.Mutant("task", f"{kind} {k}", "", kind)
            points = 0.0 if dead else 2.0
            found.append(mutation.Outcome(m, points, 2.0, task_points=points, task_max_points=2.0))
    return mutation.Report("01-likelihood", found, [])


@pytest.mark.parametrize(
    ("outcomes", "passed"),
    [
        ({"operator": [True] * 9 + [False], "bug": [True], "alternative": [False], "trivial": [True]}, True),
        ({"operator": [True] * 8 + [False] * 2, "alternative": [False]}, False),  # 80% killed
        ({"operator": [True], "alternative": [True]}, False),  # a correct solution lost points
        ({"operator": [True], "trivial": [False]}, False),  # a trivial answer scored
    ],
)
def test_mutate_fails_when_the_tests_are_not_good_enough(monkeypatch, capsys, outcomes, passed):
    monkeypatch.setattr(mutation, "run", lambda assignment, **kw: _report(**outcomes))
    assert cli.main(["mutate", "01-likelihood"]) == (0 if passed else 1)
    assert "01-likelihood: " in capsys.readouterr().out
