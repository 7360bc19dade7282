"""Serving: the served model, serving limits, parallel streams, lifetime cost and retrieval."""
