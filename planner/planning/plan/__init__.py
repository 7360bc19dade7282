"""The plan pipeline: budget, variants, route, model layout, recipe, assembled answer."""
