"""Studies over scenarios: the one pipeline, comparisons, robust siting and sweeps."""
