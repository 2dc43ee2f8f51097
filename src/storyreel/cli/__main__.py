"""``python -m storyreel.cli``."""

from storyreel.cli import main

main()
