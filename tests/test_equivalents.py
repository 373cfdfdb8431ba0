"""The registry's framework equivalents: declared by every entry, and true.

Each entry gives its counterpart in PyTorch, Keras 3 and optax as a call, an expression in
losslib's names (``LossInfo.equivalents``, an :class:`losslib.Equivalents`).
``tests/reference/equivalents_frameworks.py`` evaluated every expression with the live
frameworks in float64 and stored the results in ``tests/data/reference_equivalents_frameworks.json``
(``tests/make_reference_data.py --family equivalents_frameworks``); here losslib is compared with
them, so the table in the book cannot claim an equivalence that does not hold. No framework is
needed to run these tests.
"""

from __future__ import annotations

import ast
import builtins
import inspect

import numpy as np
import pytest

import losslib
from losslib._info import FRAMEWORKS, Equivalents
from reference.common import EQUIVALENTS, data_file, load_reference
from reference.equivalents_frameworks import LOOSER, RTOL, relative_error

META, CASES = load_reference(data_file(EQUIVALENTS))
CLAIMS = [(name, fw) for name, info in losslib.LOSSES.items() for fw in info.equivalents.calls]


def _names(call: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(call, mode="eval")) if isinstance(node, ast.Name)}


def _options(info) -> set[str]:
    return {
        p.name
        for p in inspect.signature(info.loss).parameters.values()
        if p.default is not inspect.Parameter.empty and p.name != "reduction"
    }


@pytest.mark.parametrize("name", list(losslib.LOSSES))
def test_every_entry_declares_its_equivalents(name):
    info = losslib.LOSSES[name]
    assert isinstance(info.equivalents, Equivalents), (
        f"{name} does not declare its equivalents: end its register(...) call with equivalents=Equivalents(...)"
    )
    assert isinstance(info.equivalents.note, str), name
    if set(info.equivalents.calls) != set(FRAMEWORKS):
        assert info.equivalents.note, f"{name}: say in the note of its Equivalents why a framework has no counterpart"
    for fw, call in info.equivalents.calls.items():
        qualified = _counterpart(call, fw)
        assert qualified is not None and qualified.isascii(), f"{name}: the {fw} call {call!r} calls nothing in {fw}"
        used = _names(call)
        unknown = used - set(info.args) - _options(info) - {fw, "jnp", "jax", "math"} - set(dir(builtins))
        assert not unknown, f"{name}: the {fw} call uses {sorted(unknown)}, which are not losslib's names"
        missing = set(info.args) - used
        assert not missing, f"{name}: the {fw} call does not pass {sorted(missing)}"


def _counterpart(call: str, framework: str) -> str | None:
    """The first fully qualified name in ``framework`` that ``call`` calls (``torch.nn.functional.huber_loss``)."""
    for node in ast.walk(ast.parse(call, mode="eval")):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name.startswith(framework + ".") and all(part.isidentifier() for part in name.split(".")):
                return name
    return None


def test_the_counterpart_is_the_first_framework_name_called():
    assert _counterpart("optax.losses.huber_loss(y_pred, y_true, delta=delta).mean()", "optax") == (
        "optax.losses.huber_loss"
    )
    assert _counterpart("keras.losses.Huber(delta=delta)(y_true, y_pred)", "keras") == "keras.losses.Huber"
    assert _counterpart("(-torch.distributions.Gamma(a, b).log_prob(y_true)).mean()", "torch") == (
        "torch.distributions.Gamma"
    )
    assert _counterpart("numpy.mean(y_pred)", "torch") is None


@pytest.mark.parametrize(("name", "framework"), CLAIMS, ids=[f"{n}-{fw}" for n, fw in CLAIMS])
def test_claimed_equivalent_matches_the_framework(name, framework):
    info = losslib.LOSSES[name]
    call = info.equivalents.calls[framework]
    cases = [c for c in CASES if c["loss"] == name and c["framework"] == framework]
    assert len(cases) >= 3, (
        f"{name} claims {call!r} but {data_file(EQUIVALENTS).name} has {len(cases)} case(s) of it: run "
        "tests/make_reference_data.py --family equivalents_frameworks with the frameworks (see its module)"
    )
    stale = {c["call"] for c in cases} - {call}
    assert not stale, f"{name}: the data were made for the {framework} call {stale.pop()!r}, the registry says {call!r}"
    varied = {k for c in cases for k in c["options"]}
    assert varied == _names(call) & _options(info), (
        f"{name}: the {framework} cases vary {sorted(varied)}, the call names the options "
        f"{sorted(_names(call) & _options(info))}: add values to OPTION_CASES"
    )
    default = inspect.signature(info.loss).parameters["reduction"].default
    rtol = LOOSER.get((name, framework), RTOL)
    for case in cases:
        assert set(case["results"]) == {default}, case["id"]
        expected = case["results"][default]["value"]
        got = np.asarray(info.loss(**case["inputs"], reduction=default, **case["options"]))
        assert got.shape == expected.shape, f"{case['id']}: losslib {got.shape}, {framework} {expected.shape}"
        err = relative_error(got, expected)
        assert err <= rtol, (
            f"{case['id']}: losslib and {call} differ by {err:.2g} (relative, > {rtol:g}); options {case['options']}"
        )


def _max_error(name: str, framework: str) -> float:
    info = losslib.LOSSES[name]
    default = inspect.signature(info.loss).parameters["reduction"].default
    return max(
        relative_error(info.loss(**c["inputs"], reduction=default, **c["options"]), c["results"][default]["value"])
        for c in CASES
        if c["loss"] == name and c["framework"] == framework
    )


@pytest.mark.parametrize(("name", "framework"), sorted(LOOSER))
def test_each_looser_tolerance_is_needed(name, framework):
    assert (name, framework) in CLAIMS, f"LOOSER lists {name} in {framework}, which the registry does not claim"
    assert _max_error(name, framework) > RTOL, f"{name} agrees with {framework} to {RTOL:g}: remove it from LOOSER"


def test_no_data_for_an_equivalence_the_registry_no_longer_claims():
    stored = {(c["loss"], c["framework"]) for c in CASES}
    orphans = sorted(stored - set(CLAIMS))
    assert not orphans, f"stored cases of {orphans} that the registry no longer claims: regenerate the data"


def test_the_data_file_is_small_and_says_where_it_comes_from():
    path = data_file(EQUIVALENTS)
    assert path.stat().st_size < 300_000
    assert META["oracle"] == "frameworks" and META["dtype"] == "float64" and META["n_cases"] == len(CASES)
    assert META["keras_backend"] == "jax"
    for fw in FRAMEWORKS:
        assert META[f"{fw}_version"], fw


def test_the_table_shows_each_call_or_a_dash():
    table = losslib.markdown_table(
        [losslib.LOSSES["huber"], losslib.LOSSES["mae"]], columns=("name", "torch", "optax", "differences")
    )
    lines = table.splitlines()
    assert lines[0] == "| Loss | PyTorch | optax | Differences |"
    assert "`optax.losses.huber_loss(y_pred, y_true, delta=delta).mean()`" in lines[2]
    assert lines[3].split(" | ")[2] == "—"
    assert "no absolute-error loss" in lines[3]
