"""What a user would otherwise pick: textbook formulations in PuLP/CBC and in highspy.

Both peers build the plain formulation of the benchmark README (strong
linking included, no other strengthening) from the same arrays as ours and
return ``(status, objective, seconds)``; seconds cover building and solving
(what a user waits for), like ours.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.bench.instances import CapInstance, DowInstance

PeerResult = tuple[str, float | None, float]


def _cflp_rows(inst: CapInstance) -> tuple[np.ndarray, ...]:
    """Textbook CFLP as arrays: x_ij (i-major, index i*n+j) then y_i."""
    m, n = inst.warehouses, inst.customers
    nx = m * n
    xi = np.arange(nx).reshape(m, n)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    for j in range(n):  # demand
        rows += [r] * m
        cols += xi[:, j].tolist()
        vals += [1.0] * m
        lo.append(1.0)
        hi.append(1.0)
        r += 1
    for i in range(m):  # capacity
        rows += [r] * (n + 1)
        cols += [*xi[i].tolist(), nx + i]
        vals += [*inst.demand.tolist(), -float(inst.capacity[i])]
        lo.append(-np.inf)
        hi.append(0.0)
        r += 1
    link_r = r + np.arange(nx)  # x_ij - y_i <= 0
    rows += np.repeat(link_r, 2).tolist()
    cols += np.column_stack([np.arange(nx), nx + np.repeat(np.arange(m), n)]).ravel().tolist()
    vals += [1.0, -1.0] * nx
    lo += [-np.inf] * nx
    hi += [0.0] * nx
    return (np.array(rows), np.array(cols), np.array(vals), np.array(lo), np.array(hi))


def highspy_cflp(inst: CapInstance, *, single_source: bool, time_limit: float) -> PeerResult:
    """The textbook CFLP handed to HiGHS directly through highspy."""
    import highspy

    start = time.perf_counter()
    m, n = inst.warehouses, inst.customers
    nx = m * n
    rows, cols, vals, lo, hi = _cflp_rows(inst)
    cost = np.concatenate([inst.assignment_cost.ravel(), inst.fixed_cost])
    integrality = [
        highspy.HighsVarType.kInteger if single_source else highspy.HighsVarType.kContinuous
    ] * nx
    integrality += [highspy.HighsVarType.kInteger] * m
    return _highspy_solve(
        cost,
        np.zeros(nx + m),
        np.ones(nx + m),
        integrality,
        rows,
        cols,
        vals,
        lo,
        hi,
        time_limit,
        start,
    )


def _highspy_solve(
    cost, lb, ub, integrality, rows, cols, vals, lo, hi, time_limit, start: float
) -> PeerResult:
    import highspy
    import scipy.sparse as sp

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-4)
    h.setOptionValue("random_seed", 0)
    mat = sp.csc_matrix((vals, (rows, cols)), shape=(len(lo), len(cost)))
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(lo)
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(lb, dtype=float)
    lp.col_upper_ = np.asarray(ub, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(lo), lo, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(hi), hi, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr
    lp.a_matrix_.index_ = mat.indices
    lp.a_matrix_.value_ = mat.data
    lp.integrality_ = integrality
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    name = h.modelStatusToString(status).lower()
    info = h.getInfo()
    objective = None
    if info.primal_solution_status == 2:  # feasible
        objective = float(info.objective_function_value)
    if status == highspy.HighsModelStatus.kOptimal:
        name = "optimal"
    elif status == highspy.HighsModelStatus.kInfeasible:
        name = "infeasible"
    elif objective is not None:
        name = "feasible"
    return name, objective, time.perf_counter() - start


def pulp_cflp(inst: CapInstance, *, single_source: bool, time_limit: float) -> PeerResult:
    """The textbook CFLP written in PuLP and solved with its bundled CBC."""
    import pulp

    start = time.perf_counter()
    m, n = inst.warehouses, inst.customers
    prob = pulp.LpProblem("cflp", pulp.LpMinimize)
    cat = pulp.LpBinary if single_source else pulp.LpContinuous
    x = [[pulp.LpVariable(f"x_{i}_{j}", 0, 1, cat) for j in range(n)] for i in range(m)]
    y = [pulp.LpVariable(f"y_{i}", cat=pulp.LpBinary) for i in range(m)]
    c = inst.assignment_cost
    prob += pulp.lpSum(float(inst.fixed_cost[i]) * y[i] for i in range(m)) + pulp.lpSum(
        float(c[i, j]) * x[i][j] for i in range(m) for j in range(n)
    )
    for j in range(n):
        prob += pulp.lpSum(x[i][j] for i in range(m)) == 1
    for i in range(m):
        prob += (
            pulp.lpSum(float(inst.demand[j]) * x[i][j] for j in range(n))
            <= float(inst.capacity[i]) * y[i]
        )
        for j in range(n):
            prob += x[i][j] <= y[i]
    return _pulp_solve(prob, time_limit, start)


def _pulp_solve(prob, time_limit: float, start: float) -> PeerResult:
    import pulp

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=1e-9, gapAbs=1e-4, threads=1)
    prob.solve(solver)
    status = pulp.LpStatus[prob.status].lower()
    objective = pulp.value(prob.objective) if prob.sol_status in (1, 2) else None
    if status == "optimal" and prob.sol_status == 2:
        status = "feasible"  # time limit with an incumbent
    if status == "not solved":
        status = "no_solution"
    return status, None if objective is None else float(objective), time.perf_counter() - start


def _mcnd_arrays(inst: DowInstance) -> tuple[np.ndarray, ...]:
    """Textbook MCND as arrays: x_ak (a-major, index a*K+k, in volume units) then y_a."""
    a_count, k_count, n_nodes = inst.arcs, inst.commodities, inst.nodes
    nx = a_count * k_count
    xi = np.arange(nx).reshape(a_count, k_count)
    rows, cols, vals, lo, hi = [], [], [], [], []
    for k in range(k_count):  # conservation
        rhs = np.zeros(n_nodes)
        rhs[inst.origin[k]] += inst.volume[k]
        rhs[inst.destination[k]] -= inst.volume[k]
        base = k * n_nodes
        rows += (base + inst.tail).tolist() + (base + inst.head).tolist()
        cols += xi[:, k].tolist() * 2
        vals += [1.0] * a_count + [-1.0] * a_count
        lo += rhs.tolist()
        hi += rhs.tolist()
    r = k_count * n_nodes
    for a in range(a_count):  # capacity
        rows += [r + a] * (k_count + 1)
        cols += [*xi[a].tolist(), nx + a]
        vals += [1.0] * k_count + [-float(inst.capacity[a])]
        lo.append(-np.inf)
        hi.append(0.0)
    r += a_count
    for a in range(a_count):  # strong linking
        for k in range(k_count):
            rows += [r, r]
            cols += [xi[a, k], nx + a]
            vals += [1.0, -float(min(inst.volume[k], inst.capacity[a]))]
            lo.append(-np.inf)
            hi.append(0.0)
            r += 1
    cost = np.concatenate([np.repeat(inst.flow_cost, k_count), inst.fixed_cost])
    return (cost, np.array(rows), np.array(cols), np.array(vals), np.array(lo), np.array(hi))


def highspy_mcnd(inst: DowInstance, *, time_limit: float) -> PeerResult:
    """The textbook MCND handed to HiGHS directly through highspy."""
    import highspy

    start = time.perf_counter()
    cost, rows, cols, vals, lo, hi = _mcnd_arrays(inst)
    nx = inst.arcs * inst.commodities
    ub = np.concatenate([np.full(nx, np.inf), np.ones(inst.arcs)])
    ub = np.where(np.isfinite(ub), ub, highspy.kHighsInf)
    kinds = highspy.HighsVarType
    integrality = [kinds.kContinuous] * nx + [kinds.kInteger] * inst.arcs
    return _highspy_solve(
        cost, np.zeros(cost.size), ub, integrality, rows, cols, vals, lo, hi, time_limit, start
    )


def pulp_mcnd(inst: DowInstance, *, time_limit: float) -> PeerResult:
    """The textbook MCND written in PuLP and solved with its bundled CBC."""
    import pulp

    start = time.perf_counter()
    a_count, k_count = inst.arcs, inst.commodities
    prob = pulp.LpProblem("mcnd", pulp.LpMinimize)
    x = [[pulp.LpVariable(f"x_{a}_{k}", 0) for k in range(k_count)] for a in range(a_count)]
    y = [pulp.LpVariable(f"y_{a}", cat=pulp.LpBinary) for a in range(a_count)]
    prob += pulp.lpSum(float(inst.fixed_cost[a]) * y[a] for a in range(a_count)) + pulp.lpSum(
        float(inst.flow_cost[a]) * x[a][k] for a in range(a_count) for k in range(k_count)
    )
    for k in range(k_count):
        for v in range(inst.nodes):
            out_arcs = np.flatnonzero(inst.tail == v)
            in_arcs = np.flatnonzero(inst.head == v)
            rhs = (inst.volume[k] if v == inst.origin[k] else 0.0) - (
                inst.volume[k] if v == inst.destination[k] else 0.0
            )
            prob += pulp.lpSum(x[a][k] for a in out_arcs) - pulp.lpSum(
                x[a][k] for a in in_arcs
            ) == float(rhs)
    for a in range(a_count):
        prob += pulp.lpSum(x[a]) <= float(inst.capacity[a]) * y[a]
        for k in range(k_count):
            prob += x[a][k] <= float(min(inst.volume[k], inst.capacity[a])) * y[a]
    return _pulp_solve(prob, time_limit, start)
