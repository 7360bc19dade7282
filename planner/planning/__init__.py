"""Answering questions: budgets -> laws -> optimiser -> traced response.

One folder per stage, in the order a plan flows through them:

* :mod:`.laws` - the request's laws resolved against the catalogue, provenance, fitted ranges;
* :mod:`.plan` - the plan pipeline (:mod:`.plan.pipeline`): budget, variants, the resolved
  problem (:mod:`.plan.problem`), model layout, recipe, precision, assembly;
* :mod:`.routes` - from the problem to (N, D): geometric program for a budget or a target,
  allocation law, limited unique data;
* :mod:`.serving` - the served model, serving limits, parallel streams, lifetime, retrieval;
* :mod:`.checks` - plausibility bounds, learning-rate cap, warning digest on every answer;
* :mod:`.sweep` - many budgets or targets per request, as JSON or CSV rows;
* :mod:`.questions` - side questions: predict, vocabulary, mixture and continual
  pre-training, loss curves.
"""
