"""`python -m geo.cli`: the command line (see geo/cli/__init__.py)."""

import sys

from geo.cli import main

sys.exit(main())
