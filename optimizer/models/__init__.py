"""Optimisation models on the engine: the Sichuan design model and the CFLP and MCND benchmarks."""
