"""Fit a loss law to the requester's own runs (``POST /v1/fit``, ``planner fit``)."""
