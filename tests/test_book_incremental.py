"""The book re-executes exactly the pages a code change can affect, and never shows stale outputs.

:mod:`losscourse.book` records what each page's kernel used from the repository (modules as
skeletons, function bodies it ran, files it read) and, before a build, invalidates the cache
entries of the pages whose dependencies changed. These tests check the pieces (what counts as
a change of a module's skeleton or of a function's body, what a kernel records) and, on a
two-page scratch book with a small losslib of its own, the whole: a change in a losslib
function used by one page re-executes that page only, and its new output is shown.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from losscourse import book
from losscourse.book import deps
from losscourse.book import record as recorder

MODULE = textwrap.dedent(
    '''
    """A module."""

    import math

    SCALE = 2.0


    def helper(x):
        """Double x."""
        return SCALE * x


    def used(x):
        """Uses the helper."""
        return helper(x) + 1


    def unused(x, k=3):
        return x * k


    class Thing:
        """A class."""

        size = 1

        def method(self):
            def inner():
                return 1

            return inner() + self.size


    def computed_at_import():
        return 5


    VALUE = computed_at_import()
    '''
)


def units(source: str):
    return deps.code_units(source)


def test_comments_and_layout_change_nothing():
    skeleton, bodies = units(MODULE)
    edited = MODULE.replace("return SCALE * x", "return SCALE*x  # doubled").replace("\n\n\ndef used", "\n\ndef used")
    assert units(edited) == (skeleton, bodies)


def test_a_body_change_changes_that_function_only():
    skeleton, bodies = units(MODULE)
    skeleton2, bodies2 = units(MODULE.replace("return x * k", "return x * k + 0"))
    assert skeleton2 == skeleton
    assert {q for q in bodies if bodies[q] != bodies2[q]} == {"unused"}


def test_methods_and_nested_functions():
    skeleton, bodies = units(MODULE)
    assert set(bodies) == {"helper", "used", "unused", "Thing.method", "computed_at_import"}
    _, bodies2 = units(MODULE.replace("return 1\n", "return 2\n"))
    assert {q for q in bodies if bodies[q] != bodies2[q]} == {"Thing.method"}, "a nested function is its parent's body"


@pytest.mark.parametrize(
    "old, new",
    [
        ('"""Double x."""', '"""Double x, twice."""'),  # a docstring
        ("k=3", "k=4"),  # a default value
        ("SCALE = 2.0", "SCALE = 3.0"),  # a module constant
        ("size = 1", "size = 2"),  # a class attribute
        ("import math", "import math, cmath"),  # an import
        ("def unused(x, k=3):", "@staticmethod\ndef unused(x, k=3):"),  # a decorator
        ("VALUE = computed_at_import()", "VALUE = computed_at_import() + 1"),
    ],
)
def test_what_takes_effect_without_a_call_is_the_skeleton(old, new):
    assert old in MODULE
    assert units(MODULE.replace(old, new))[0] != units(MODULE)[0]


def test_a_new_function_changes_the_skeleton():
    assert units(MODULE + "\n\ndef added():\n    return 1\n")[0] != units(MODULE)[0]


def test_an_unparsable_module_is_all_skeleton():
    skeleton, bodies = units("def broken(:\n")
    assert bodies == {} and skeleton.startswith("unparsable:")


# --------------------------------------------------------------------------
# What a kernel records (the recorder runs in a plain Python process here)
# --------------------------------------------------------------------------

SCRIPT = r"""
import os, sys, inspect, subprocess
from pathlib import Path
import importlib.util
spec = importlib.util.spec_from_file_location("_recorder", os.environ["LOSSCOURSE_BOOK_TOOL"])
recorder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(recorder)
recorder.record_kernel()
sys.path.insert(0, os.environ["LOSSCOURSE_BOOK_ROOT"])
import pkg.mod as mod
assert mod.used(1.0) == 3.0 and mod.VALUE == 5
try:
    mod.Thing().missing
except AttributeError as exc:
    pass
try:
    mod.fails()
except ZeroDivisionError:
    tb = sys.exc_info()[2]
    while tb.tb_next is not None:
        tb = tb.tb_next
    print("LINE", tb.tb_lineno)  # without reading the file
    if "traceback" in sys.argv:
        import traceback
        print("TEXT", traceback.extract_tb(sys.exc_info()[2])[-1].line)
if "source" in sys.argv:
    inspect.getsource(mod.helper)
if "python" in sys.argv:
    subprocess.run([sys.executable, "-c", "pass"])
if "other" in sys.argv:
    subprocess.run(["true"])
if "spawn" in sys.argv:
    import multiprocessing
    process = multiprocessing.get_context("spawn").Process(target=print)
    process.start()
    process.join()
"""


def record(tmp_path: Path, *args: str) -> tuple[dict, str]:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True, exist_ok=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text(MODULE + "\n\ndef fails():\n    x = 0\n    return 1 / x\n")
    records = tmp_path / "records"
    env = dict(
        os.environ,
        LOSSCOURSE_BOOK_ROOT=str(root),
        LOSSCOURSE_BOOK_RECORDS=str(records),
        LOSSCOURSE_BOOK_PAGE=str(root / "page.md"),
        LOSSCOURSE_BOOK_TOOL=recorder.__file__,
    )
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = records.glob("*.json")
    return json.loads(path.read_text()), proc.stdout


def test_the_kernel_records_the_functions_it_ran(tmp_path):
    data, stdout = record(tmp_path)
    assert data["page"] == str(tmp_path / "repo" / "page.md")
    assert set(data["instrumented"]) == {"pkg/__init__.py", "pkg/mod.py"}
    assert set(data["hits"]) == {
        "pkg/mod.py:used",
        "pkg/mod.py:helper",
        "pkg/mod.py:computed_at_import",  # ran while importing: its result is a module constant
        "pkg/mod.py:fails",
    }
    assert data["files"] == {} and data["whole"] == [] and data["opaque"] is None
    assert "LINE 44" in stdout, "the instrumented code keeps its line numbers"


def test_reading_a_source_file_makes_the_page_depend_on_all_of_it(tmp_path):
    data, _ = record(tmp_path, "source")
    assert list(data["files"]) == ["pkg/mod.py"]
    data, stdout = record(tmp_path, "traceback")  # a traceback quoting a line reads the file
    assert "TEXT return 1 / x" in stdout and list(data["files"]) == ["pkg/mod.py"]


def test_a_python_subprocess_makes_the_page_opaque(tmp_path):
    assert record(tmp_path, "python")[0]["opaque"]
    assert record(tmp_path, "spawn")[0]["opaque"]  # multiprocessing raises no audit event for it
    assert record(tmp_path, "other")[0]["opaque"] is None


def test_stale_pages_are_those_whose_dependencies_changed(tmp_path):
    (tmp_path / "pkg").mkdir()
    mod = tmp_path / "pkg" / "mod.py"
    mod.write_text(MODULE)
    (tmp_path / "data.txt").write_text("1")
    kernel = {
        "instrumented": ["pkg/mod.py"],
        "hits": ["pkg/mod.py:used", "pkg/mod.py:helper"],
        "whole": [],
        "files": {"data.txt": recorder.file_hash(tmp_path / "data.txt")},
        "opaque": None,
    }
    page_deps = deps.deps_of(kernel, deps.Snapshot(tmp_path), "fp")

    def stale():
        return deps.why_stale(page_deps, deps.Snapshot(tmp_path, read_now=False), "fp")

    assert stale() is None
    mod.write_text(MODULE.replace("return x * k", "return x * k * 1"))  # a function the page did not run
    assert stale() is None
    mod.write_text(MODULE.replace("return helper(x) + 1", "return helper(x) + 2"))
    assert stale() == "pkg/mod.py: used changed"
    mod.write_text(MODULE.replace("SCALE = 2.0", "SCALE = 2.5"))
    assert stale() == "pkg/mod.py changed outside function bodies"
    mod.write_text(MODULE)
    (tmp_path / "data.txt").write_text("2")
    assert stale() == "data.txt changed (the page read it)"
    (tmp_path / "data.txt").write_text("1")
    assert stale() is None
    opaque = dict(page_deps, opaque="the page started a Python process")
    assert deps.why_stale(opaque, deps.Snapshot(tmp_path, read_now=False), "fp") is None
    assert "started a Python process" in deps.why_stale(opaque, deps.Snapshot(tmp_path, read_now=False), "fp2")


# --------------------------------------------------------------------------
# The whole: a two-page book in a scratch folder, built three times
# --------------------------------------------------------------------------

HEADER = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  display_name: Python 3\n  name: python3\n---\n"

# A small losslib of the scratch repository (the real one changes; these tests must not).
LOSSLIB = {
    "__init__.py": '"""A small losslib."""\n\nfrom .regression import huber, mse\n',
    "_reduction.py": "def mean(values):\n    return sum(values) / len(values)\n",
    "regression.py": textwrap.dedent(
        '''
        """Regression losses."""

        from ._reduction import mean


        def _squares(y_true, y_pred):
            return [(b - a) ** 2 for a, b in zip(y_true, y_pred)]


        def mse(y_true, y_pred):
            """Mean squared error."""
            return mean(_squares(y_true, y_pred))


        def huber(y_true, y_pred, delta=1.0):
            """Huber loss."""
            r = [abs(b - a) for a, b in zip(y_true, y_pred)]
            return mean([0.5 * x * x if x <= delta else delta * (x - 0.5 * delta) for x in r])
        '''
    ),
}


def page(title: str, code: str) -> str:
    return f"{HEADER}# {title}\n\nSome text.\n\n```{{code-cell}}\n{code}\n```\n"


def shown(out: Path, name: str) -> str:
    html = (out / "html" / f"{name}.html").read_text()
    return re.search(r"(?:A huber|B mse) [0-9.]+", html).group(0)


def test_a_losslib_change_reexecutes_only_the_pages_that_ran_it(tmp_path):
    root = tmp_path / "repo"
    (root / "losslib").mkdir(parents=True)
    for name, text in LOSSLIB.items():
        (root / "losslib" / name).write_text(text)
    (root / "_config.yml").write_text(
        "title: Scratch\nauthor: Tests\nonly_build_toc_files: true\nexclude_patterns: [_build, losslib]\n"
        "execute:\n  execute_notebooks: cache\n  timeout: 120\n"
        "sphinx:\n  config:\n    nb_execution_raise_on_error: true\n"
    )
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: a\n  - file: b\n")
    (root / "index.md").write_text("# Index\n\nTwo pages.\n")
    (root / "a.md").write_text(page("A", "import losslib\nprint('A huber', losslib.huber([0.0], [3.0]))"))
    (root / "b.md").write_text(page("B", "import losslib\nprint('B mse', losslib.mse([0.0], [3.0]))"))
    out = root / "_build"

    def build() -> list[str]:
        logs: list[str] = []
        assert book.build(out, root=root, log=logs.append) == 0
        executed = [m.group(1) for line in logs if (m := re.match(r"book: executed \d+ page\(s\): (.*)", line))]
        return executed[0].split(", ") if executed else []

    def records() -> dict[str, tuple]:
        from jupyter_cache import get_cache

        cache = get_cache(str(out / ".jupyter_cache"))
        return {Path(r.uri).stem: (r.pk, r.hashkey, str(r.created)) for r in cache.list_cache_records()}

    assert build() == ["a", "b"]
    assert (shown(out, "a"), shown(out, "b")) == ("A huber 2.5", "B mse 9.0")
    before = records()

    # _squares (run by mse, which page b calls; page a's huber does not) now doubles the squares.
    regression = root / "losslib" / "regression.py"
    source = regression.read_text()
    regression.write_text(source.replace("return [(b - a) ** 2 for", "return [2 * (b - a) ** 2 for"))
    assert build() == ["b"]
    assert (shown(out, "a"), shown(out, "b")) == ("A huber 2.5", "B mse 18.0")
    after = records()
    assert after["a"] == before["a"], "page a kept its cached execution"
    assert after["b"] != before["b"]

    # A docstring is part of the module's skeleton: every page that imported it re-executes.
    regression.write_text(source.replace('"""Mean squared error."""', '"""The mean squared error."""'))
    assert build() == ["a", "b"]
    assert (shown(out, "a"), shown(out, "b")) == ("A huber 2.5", "B mse 9.0")
