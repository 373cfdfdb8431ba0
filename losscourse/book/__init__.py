"""Build the HTML book, never showing outputs computed with an older losslib, and re-executing
only the pages that a change in the repository's Python code can affect.

Jupyter Book's execution cache (jupyter-cache) keys each page on its own code only, so a change
in ``losslib`` would leave old outputs in place. Instead of dropping the whole cache when
``losslib/`` or ``losscourse/`` change, the build records, for every executed page, what its
kernel actually used from the repository, and invalidates a page's cache entry only when one of
those things changed:

- every repository module the kernel imported, as its *skeleton*: the module's code with each
  function's body cut out (imports, constants, registry entries, class attributes, and each
  function's signature, defaults, decorators and docstring). A change there re-executes every
  page that imported the module;
- every function (or method) whose body the kernel started to run, as the hash of that body.
  Modules of the repository are loaded in the kernel by an import hook that compiles them with
  a marker call at the start of each top-level function and method body (line numbers, source
  and docstrings untouched), so the record covers functions run from anywhere: a page, the
  registry, another losslib function, or code run while importing. A change in the body of a
  function re-executes only the pages that ran it;
- every repository file the kernel opened for reading (``inspect.getsource``, a traceback or a
  warning quoting a line, a data file), as the hash of its whole content;
- a kernel that started another Python process (``subprocess``, ``os.fork``, ``os.system``,
  ``multiprocessing``), whose code the recording cannot see, is *opaque*: its page re-executes
  when any Python file of ``losslib/`` or ``losscourse/`` changes.

Hashes are of the code's syntax tree, so a change in comments or formatting re-executes nothing.
A page whose kernel left no record (an older build, a failed recording) is re-executed when
``losslib/`` or ``losscourse/`` change at all. Invalidating a page removes its jupyter-cache
record and asks Sphinx to re-read it; the other pages keep their cache and their doctrees.
Sphinx's own process is recorded the same way, summed over the builds since every page was last
read: when something it ran changes, every page is re-read, from the cache where the cache is
current. A failed build forces the next build to re-read every page (an incremental build would
otherwise skip the unchanged, failing page).

Why not the simpler rule, re-executing every executed page whenever ``losslib/`` or
``losscourse/`` change (every chapter imports losslib, so a static scan of imports says the same)?
It costs a cold build's execution after every library edit: with ``benchmarks/bench_book.py
--docstring`` (2026-12-07, 2 busy cores), a change in the body of ``huber`` re-executed its 3 pages
in 43 CPU seconds, a change every page depends on (its docstring) all 9 in 98, a cold build 95.

The pieces: :mod:`.make` (the build and the command line), :mod:`.deps` (what is stale),
:mod:`.record` (what a kernel ran; loaded by path in every kernel) and :mod:`.extension` (the
Sphinx side).

Usage: ``losscourse book [--out DIR] [--all]`` (``make book`` runs it).
"""

from .deps import FINGERPRINTED, fingerprint
from .make import ROOT, build, make_book, write_pdf

__all__ = ["FINGERPRINTED", "ROOT", "build", "fingerprint", "make_book", "write_pdf"]
