"""One BLAS thread per process for the course's own runs: the book's kernels and the test suite.

The course's arrays are small (hundreds of rows), so a matrix product never profits from a
second thread, but OpenBLAS starts one per core all the same, and its idle threads spin while
they wait for work. On the two cores of CI, already shared by two pytest-xdist workers, that
spinning cost CPU time and gained none: with two threads the Student-t fits of chapter 7 took
4.5 CPU seconds instead of 1.2 (scipy's L-BFGS-B calls BLAS on 4-vectors). The grader's sandbox
sets the same variables for the students' code (:mod:`losscourse.grader.sandbox`).

The variables are read when a process loads its BLAS library, so they must be set before
numpy is imported, and they reach every process started later (kernels, nbgrader).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# OpenBLAS (numpy's and scipy's wheels), OpenMP and MKL builds
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The variables of :data:`BLAS_THREAD_VARIABLES` for an environment: ``"1"``, or the value
    ``environ`` already gives (the user's choice is kept)."""
    return {name: environ.get(name, "1") for name in BLAS_THREAD_VARIABLES}
