"""The grader's fast paths give exactly what the slow ones gave.

- The sandboxed worker runs a notebook of plain Python with ``exec`` instead of starting IPython
  (a third of its start-up); anything that needs IPython (magics, shell commands, ``display``,
  ``get_ipython``, ``In``/``Out``...) still runs in an IPython shell. For each notebook below,
  the worker's report (cell errors, functions defined) and the values its functions return are
  the same as with IPython for every cell.
- The feedback template sanitizes a highlighted code cell only where sanitizing can change it
  (control characters); the page's body has the same document tree as nbconvert's lab template
  gives, which sanitizes every cell, hostile code included.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from losscourse.assignments import RELEASE, ROOT, SOURCE
from losscourse.grader import feedback, sandbox, worker
from losscourse.grader.judge import TaskResult, Verdict
from losscourse.grader.notebooks import read_source, read_submission, student_code


def test_the_plain_namespace_is_ipythons():
    """What the worker sets up without IPython is what the installed IPython would set up."""
    code = (
        "import builtins, json\n"
        "before = set(vars(builtins))\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "print(json.dumps([sorted(shell.user_ns), sorted(set(vars(builtins)) - before), shell.user_ns['__doc__']]))"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd="/", timeout=120)
    namespace, builtins_added, doc = json.loads(proc.stdout)
    assert set(namespace) == worker.IPYTHON_NAMESPACE
    assert set(builtins_added) == worker.IPYTHON_BUILTINS
    assert doc == worker._MAIN_DOC


@pytest.mark.parametrize(
    "cell, needs",
    [
        ("import numpy as np\ndef f(x):\n    return np.sum(x)", False),
        ("from __future__ import annotations\nclass A:\n    x: int = 1", False),
        ("for i in range(3):\n    y = i", False),
        ("%time x = 1", True),
        ("%%capture\nx = 1", True),
        ("!ls", True),
        ("x?", True),
        ("display(1)", True),
        ("def f(x):\n    display(x)", True),
        ("ip = get_ipython()", True),
        ("print(In[0])", True),
        ("exit()", True),
        ("quit", True),
        ("with open('f') as f:\n    pass", True),
        ("print(_)", True),
        ("def f():\n    return _", True),  # the global _
        ("class A:\n    x = __", True),
        ("del _", True),
        ("for _ in range(3):\n    pass", False),
        ("def f(n):\n    for _ in range(n):\n        pass\n    return [0 for __ in range(n)]", False),
        ("def f(n):\n    _ = n\n    return _", False),
        ("x = '_'.join(['a', 'b'])", False),
        ("import IPython", True),
        ("from IPython.display import Markdown", True),
        ("import builtins\nbuiltins.display", True),
        ("getattr(__builtins__, 'get_ipython')", True),
        ("x = 1\nreturn x", True),  # a compile error after a statement IPython runs
        ("  indented = 1", True),  # IPython dedents it
        ("await something()", True),
    ],
)
def test_which_cells_need_ipython(cell, needs):
    assert worker.needs_ipython(cell) is needs


NOTEBOOKS = {
    "plain": [
        "import numpy as np",
        "def double(x):\n    return 2 * np.asarray(x)",
        "1 / 0",
        "raise SystemExit(3)",
        "import sys\nsys.exit()",
        "y = undefined_name",
        "class Thing:\n    pass",
        "half = lambda v: v / 2",
        "def name():\n    return __name__ + type(__builtins__).__name__ + __doc__[:9]",
        "import pickle\ndef roundtrip(x):\n    return pickle.loads(pickle.dumps(double))(x)",
        "from __future__ import annotations\ndef annotated(x: Undefined) -> Undefined:\n    return x",
        "def after_error(x):\n    return x + 1\nraise ValueError('after the def')",
        "def loops(x):\n    for _ in range(2):\n        x = x + 1\n    return [x for __ in range(1)][0]",
        "import warnings\ndef warns(x):\n    with warnings.catch_warnings(record=True) as w:\n"
        "        warnings.warn('old', DeprecationWarning)\n        return len(w)",
    ],
    "magics": [
        "%time x = 1",
        "def double(x):\n    return 2 * x",
        "%%capture\nprint('hidden')",
        "!echo hi",
        "def triple(x):\n    return 3 * x",
    ],
    "underscore": ["def last(x):\n    return _", "print(_)", "def after(x):\n    return x"],
    "display": ["def double(x):\n    display(x)\n    return 2 * x", "display(1)", "def get(x):\n    return x"],
    "compile_error": ["def double(x):\n    return 2 * x", "z = 1\nreturn z", "def zed(x):\n    return z"],
    "tampering": [
        "def double(x):\n    return 2 * x",
        "try:\n    get_ipython().run_cell = lambda *a, **k: None\nexcept Exception:\n    pass",
        "def later(x):\n    return x",
    ],
}


def _run(cells: list[str], mode: str) -> tuple:
    hide = [ROOT / "losslib", ROOT / "losscourse"]
    box = sandbox.Sandbox(cells, hide=hide, timeout=30.0, memory=1024**3)
    box.mode = mode
    with box:
        report = box.start()
        values = {}
        for name in report.functions:
            try:
                value = box.call(name, (3.0,), {})
                values[name] = value.tolist() if hasattr(value, "tolist") else value
            except sandbox.SandboxError as exc:
                values[name] = f"{type(exc).__name__}: {exc}"
    return report.cell_errors, report.functions, values


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_a_notebook_runs_as_in_ipython(name):
    assert _run(NOTEBOOKS[name], "auto") == _run(NOTEBOOKS[name], "ipython")


@pytest.mark.parametrize("assignment", ["01-likelihood", "02-regression", "03-classification"])
def test_the_assignments_run_without_ipython_and_as_in_ipython(assignment):
    source_nb = next((SOURCE / assignment).glob("*.ipynb"))
    cells = student_code(read_submission(source_nb), read_source(source_nb))
    assert not any(worker.needs_ipython(c) for c in cells), "the solution notebooks are plain Python"
    assert _run(cells, "auto")[:2] == _run(cells, "ipython")[:2]


def _body(html: str):
    """The document tree of the page's body (the head differs: MathJax from beside the page)."""
    from bs4 import BeautifulSoup

    def walk(node):
        if getattr(node, "name", None) is None:
            return str(node)
        attrs = tuple(sorted((k, " ".join(v) if isinstance(v, list) else v) for k, v in node.attrs.items()))
        return (node.name, attrs, tuple(walk(child) for child in node.children))

    return walk(BeautifulSoup(html, "html.parser").body)


HOSTILE = "\n# </pre><script>alert('x')</script> &amp; <b>bold</b> \u00e9 \x7f \ufffe"


@pytest.mark.parametrize("controls", ["", " \x1b[31m \x00 \r\n x=1\r y=2 \x0c"])
@pytest.mark.parametrize("version", ["solution", "release"])
def test_the_feedback_page_is_nbconverts(version, controls):
    from nbconvert import HTMLExporter

    source = SOURCE / "01-likelihood" / "likelihood.ipynb"
    submission = nbformat.read(source if version == "solution" else RELEASE / "01-likelihood" / source.name, 4)
    for cell in submission.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source += HOSTILE + controls
            break
    submission.cells.append(nbformat.v4.new_code_cell("print('<img src=x onerror=alert(1)>')"))
    verdict = Verdict(
        2.0,
        10.0,
        "graded",
        [TaskResult("gaussian_nll", 0.0, 2.0, False, "boom <script>x</script> [a](javascript:alert(1))")],
        ["graded [x](javascript:alert(1)).ipynb <i>"],
    )
    nb = feedback.feedback_notebook(source, submission, verdict, "stu<dent>&", "note [x](javascript:alert(1))")
    expected, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    page = feedback.render_feedback_html(nb)
    assert _body(page) == _body(expected)
    assert "<script>alert" not in page
