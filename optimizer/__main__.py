"""``python -m optimizer``: the ``corridor`` command."""

from optimizer.cli import main

main()
