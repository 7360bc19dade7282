"""``python -m planner.cli``."""

import sys

from . import main

sys.exit(main())
