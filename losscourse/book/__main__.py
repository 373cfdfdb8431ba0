"""``python -m losscourse.book [--out DIR] [--all]``: what ``make book`` runs."""

import sys

from .make import main

sys.exit(main())
