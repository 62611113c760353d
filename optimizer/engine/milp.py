"""A small sparse MILP container built from numpy arrays.

Problem builders add blocks of variables and rows with vectorised calls;
the solver adapter (:mod:`optimizer.engine.solver`) turns the container into an
OR-Tools MathOpt ``ModelProto`` in one pass. Keeping the model as plain
arrays makes building fast (no Python object per variable), lets the same
model go to any backend, and lets tests read the matrix directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INF = float("inf")


@dataclass
class MilpModel:
    """A minimisation MILP ``min c x + offset  s.t.  row_lb <= A x <= row_ub, lb <= x <= ub``.

    Variables and rows are added in blocks; each block has a name used to
    build readable variable names (``open[DE_WH_DUISBURG]``).
    """

    name: str = "corridor"
    _lb: list[np.ndarray] = field(default_factory=list)
    _ub: list[np.ndarray] = field(default_factory=list)
    _cost: list[np.ndarray] = field(default_factory=list)
    _integer: list[np.ndarray] = field(default_factory=list)
    _var_names: list[list[str]] = field(default_factory=list)
    _row_lb: list[np.ndarray] = field(default_factory=list)
    _row_ub: list[np.ndarray] = field(default_factory=list)
    _row_names: list[list[str]] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)
    num_vars: int = 0
    num_rows: int = 0
    offset: float = 0.0

    def add_vars(
        self,
        n: int,
        *,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = INF,
        cost: float | np.ndarray = 0.0,
        integer: bool = False,
        names: list[str] | None = None,
    ) -> np.ndarray:
        """Add ``n`` variables; return their indices."""
        idx = np.arange(self.num_vars, self.num_vars + n, dtype=np.int64)
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self._integer.append(np.full(n, integer, dtype=bool))
        self._var_names.append(names if names is not None else [""] * n)
        self.num_vars += n
        return idx

    def add_rows(
        self,
        n: int,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray | float,
        *,
        lb: float | np.ndarray = -INF,
        ub: float | np.ndarray = INF,
        names: list[str] | None = None,
    ) -> np.ndarray:
        """Add ``n`` rows given in coordinate form (``rows`` local to this block, 0..n-1)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals_arr = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).copy()
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            msg = "row index out of block"
            raise ValueError(msg)
        idx = np.arange(self.num_rows, self.num_rows + n, dtype=np.int64)
        self._rows.append(rows + self.num_rows)
        self._cols.append(cols)
        self._vals.append(vals_arr)
        self._row_lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._row_ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self._row_names.append(names if names is not None else [""] * n)
        self.num_rows += n
        return idx

    # -- read access -----------------------------------------------------
    def _cat(self, parts: list[np.ndarray], dtype: type = float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    @property
    def lb(self) -> np.ndarray:
        return self._cat(self._lb)

    @property
    def ub(self) -> np.ndarray:
        return self._cat(self._ub)

    @property
    def cost(self) -> np.ndarray:
        return self._cat(self._cost)

    @property
    def integer(self) -> np.ndarray:
        return self._cat(self._integer, bool)

    @property
    def row_lb(self) -> np.ndarray:
        return self._cat(self._row_lb)

    @property
    def row_ub(self) -> np.ndarray:
        return self._cat(self._row_ub)

    def var_names(self) -> list[str]:
        return [n for block in self._var_names for n in block]

    def row_names(self) -> list[str]:
        return [n for block in self._row_names for n in block]

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the constraint matrix as (rows, cols, vals), duplicates summed, row-major."""
        rows = self._cat(self._rows, np.int64).astype(np.int64)
        cols = self._cat(self._cols, np.int64).astype(np.int64)
        vals = self._cat(self._vals)
        if rows.size == 0:
            return rows, cols, vals
        key = rows * max(self.num_vars, 1) + cols
        order = np.argsort(key, kind="stable")
        key, rows, cols, vals = key[order], rows[order], cols[order], vals[order]
        _, start = np.unique(key, return_index=True)
        summed = np.add.reduceat(vals, start)
        keep = summed != 0.0
        return rows[start][keep], cols[start][keep], summed[keep]

    def with_rows(self, keep: np.ndarray, *, relax: bool = False) -> MilpModel:
        """The same variables with only the rows ``keep`` (renumbered in order).

        ``relax`` makes every variable continuous (the LP relaxation).
        """
        keep = np.asarray(keep, dtype=np.int64)
        rows, cols, vals = self.coo()
        new_index = np.full(self.num_rows, -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        sel = new_index[rows] >= 0
        out = MilpModel(name=self.name, offset=self.offset)
        names = self.var_names()
        out.add_vars(self.num_vars, lb=self.lb, ub=self.ub, cost=self.cost, names=names)
        out._integer = [np.zeros(self.num_vars, dtype=bool) if relax else self.integer]
        row_names = self.row_names()
        out.add_rows(
            keep.size,
            new_index[rows[sel]],
            cols[sel],
            vals[sel],
            lb=self.row_lb[keep],
            ub=self.row_ub[keep],
            names=[row_names[r] for r in keep],
        )
        return out

    def size(self) -> dict[str, int]:
        """Model size: variables, integer variables, constraints, nonzeros."""
        _, _, vals = self.coo()
        return {
            "variables": int(self.num_vars),
            "integer_variables": int(self.integer.sum()),
            "constraints": int(self.num_rows),
            "nonzeros": int(vals.size),
        }

    def objective_value(self, x: np.ndarray) -> float:
        """Objective of a point ``x``."""
        return float(self.cost @ x + self.offset)

    def max_violation(self, x: np.ndarray) -> float:
        """Largest violation of a row, bound or integrality at ``x`` (0 when feasible)."""
        rows, cols, vals = self.coo()
        act = np.zeros(self.num_rows)
        np.add.at(act, rows, vals * x[cols])
        worst = 0.0
        if self.num_rows:
            worst = max(worst, float(np.max(self.row_lb - act, initial=0.0)))
            worst = max(worst, float(np.max(act - self.row_ub, initial=0.0)))
        worst = max(worst, float(np.max(self.lb - x, initial=0.0)))
        worst = max(worst, float(np.max(x - self.ub, initial=0.0)))
        ints = self.integer
        if ints.any():
            worst = max(worst, float(np.max(np.abs(x[ints] - np.round(x[ints])), initial=0.0)))
        return worst
