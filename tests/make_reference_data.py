"""Write the reference data of losslib's oracle tests, or check losslib against live oracles.

The test suite needs neither PyTorch nor scikit-learn: it reads the committed files
``tests/data/reference_<family>.json`` that this script writes, one per module of
``tests/reference/`` (which holds the cases and how to ask the oracle for each). Run it with a
Python that has the oracles (PyTorch 2.13 CPU: ``pip install torch==2.13.0 scikit-learn``; the family
``equivalents_frameworks`` also needs Keras and optax, see its module for the venv)::

    python tests/make_reference_data.py                    # (re)write every family's file
    python tests/make_reference_data.py --family core      # one family
    python tests/make_reference_data.py --check            # live oracles vs losslib, writes nothing
    /tmp/frameworks/bin/python tests/make_reference_data.py --family equivalents_frameworks  # torch, keras, optax

``--check`` also says whether each committed file is still exactly what the live oracle gives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the reference package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # losslib from this checkout

from reference import FAMILIES, family_module  # noqa: E402
from reference.common import REDUCTIONS, compare, data_file, load_reference, losslib_result, write_reference  # noqa: E402


def oracle_versions(oracle: str) -> dict[str, str]:
    versions = {"numpy_version": np.__version__}
    if oracle == "torch":
        import torch

        versions["torch_version"] = torch.__version__
    elif oracle == "sklearn":
        import sklearn

        versions["sklearn_version"] = sklearn.__version__
    elif oracle == "mpmath":
        import mpmath

        versions["mpmath_version"] = mpmath.__version__
    elif oracle == "frameworks":
        from reference import equivalents_frameworks

        versions.update(equivalents_frameworks.versions())
    return versions


def with_results(module) -> list[dict]:
    """The module's cases with the oracle's results, for every reduction (or the module's ``reductions(case)``)."""
    reductions = getattr(module, "reductions", lambda case: REDUCTIONS)
    return [dict(c, results={r: module.reference(c, r) for r in reductions(c)}) for c in module.build_cases()]


def write(family: str) -> None:
    module = family_module(family)
    cases = with_results(module)
    meta = {
        "generated_by": "tests/make_reference_data.py",
        "family": family,
        "oracle": module.ORACLE,
        **oracle_versions(module.ORACLE),
    }
    path = data_file(family)
    write_reference(path, cases, meta)
    n_results = sum(len(c["results"]) for c in cases)
    print(
        f"{family}: wrote {len(cases)} cases ({n_results} results) to {path} "
        f"({path.stat().st_size / 1e6:.2f} MB, {module.ORACLE})"
    )


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is b
    return np.array_equal(a, b, equal_nan=True)


def check(family: str) -> int:
    """Compare losslib with the live oracle on every case; return the number of failures."""
    module = family_module(family)
    cases = with_results(module)
    agree = getattr(module, "compare", compare)
    failures = 0
    for case in cases:
        for reduction in case["results"]:
            try:
                agree(case, reduction, losslib_result(case, reduction), case["results"][reduction])
            except AssertionError as exc:
                failures += 1
                print(f"FAIL {exc}\n")
    n = sum(len(case["results"]) for case in cases)
    print(f"{family}: losslib vs live {module.ORACLE}: {n - failures}/{n} agree")
    path = data_file(family)
    if path.exists():
        _, committed = load_reference(path)
        live = {c["id"]: c for c in cases}
        stale = [
            c["id"]
            for c in committed
            if c["id"] not in live
            or not all(
                _same(c["results"][r]["value"], live[c["id"]]["results"][r]["value"])
                and _same(c["results"][r]["grad"], live[c["id"]]["results"][r]["grad"])
                for r in live[c["id"]]["results"]
            )
        ]
        stale += sorted(set(live) - {c["id"] for c in committed})
        print(
            f"{family}: the committed {path.name} "
            + (
                f"differs from the live oracle in {len(stale)} case(s), e.g. {stale[:5]}"
                if stale
                else "is exactly what the live oracle gives"
            )
        )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=FAMILIES, action="append", help="only this family (repeatable)")
    parser.add_argument("--check", action="store_true", help="compare losslib with the live oracles, write nothing")
    args = parser.parse_args(argv)
    families = args.family or FAMILIES
    if args.check:
        return 1 if sum(check(f) for f in families) else 0
    for family in families:
        write(family)
    return 0


if __name__ == "__main__":
    sys.exit(main())
