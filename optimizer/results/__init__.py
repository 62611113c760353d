"""Results of a solve: the plain Solution, its KPIs, its files and the independent checker."""
