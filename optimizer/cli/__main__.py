"""``python -m optimizer.cli``: the ``corridor`` command."""

from optimizer.cli import main

main()
