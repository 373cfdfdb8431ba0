"""Run every benchmark of the repository, one after the other, and print their reports.

- ``bench_losslib.py``: losslib against PyTorch, with ``--torch-python`` (a Python that has
  PyTorch; ``make bench`` makes one in ``.venv/torch``) or this Python if it has PyTorch, else
  skipped;
- ``bench_grading.py``: ``losscourse grade`` against ``nbgrader autograde``;
- ``bench_grading_dask.py``: ``losscourse grade --scheduler`` with one and two Dask workers;
- ``bench_book.py``: ``make book`` cold, after a text change, after a losslib change.

Speed goals live in the printed ratios and seconds, never in timed tests. On a shared machine,
run this when it is quiet (the load average is printed), or compare runs made side by side.

    python benchmarks/run_all.py [--quick] [--torch-python PATH]      # make bench
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and submissions")
    parser.add_argument("--torch-python", default=None, help="a Python with PyTorch for bench_losslib.py")
    args = parser.parse_args(argv)
    runs: list[tuple[str, str, list[str]]] = []
    torch_python = args.torch_python or (sys.executable if importlib.util.find_spec("torch") else None)
    if torch_python is not None:
        runs.append((torch_python, "bench_losslib.py", ["--repeat", "3"] if args.quick else []))
    else:
        print("bench_losslib.py: skipped (no PyTorch: make bench, or --torch-python PATH)\n")
    runs.append((sys.executable, "bench_grading.py", ["-n", "12", "--repeat", "1"] if args.quick else []))
    runs.append((sys.executable, "bench_grading_dask.py", ["-n", "8", "--repeat", "1"] if args.quick else []))
    runs.append((sys.executable, "bench_book.py", []))
    failed = []
    for python, script, options in runs:
        print(f"===== {script} {' '.join(options)}  (load {os.getloadavg()[0]:.1f})", flush=True)
        started = time.perf_counter()
        code = subprocess.call([python, str(HERE / script), *options])
        print(f"===== {script}: exit {code}, {time.perf_counter() - started:.0f} s\n", flush=True)
        if code:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
