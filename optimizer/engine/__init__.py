"""The solver engine: MILP arrays, solver adapters, the generic design core, Lagrangian bounds."""
