"""The routes from a resolved problem to (N, D): allocation law, geometric program, limited data."""
