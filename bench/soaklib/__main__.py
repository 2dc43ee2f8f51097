"""``python -m soaklib`` (from ``bench/``): the same as ``python bench/soak.py``."""

import sys

from .cli import main

sys.exit(main())
