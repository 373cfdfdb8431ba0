"""``python -m losscourse.cli``: the same as the ``losscourse`` command."""

import sys

from . import main

sys.exit(main())
