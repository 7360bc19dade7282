"""Checks on every answer: plausibility bounds, learning-rate cap, warning digest."""
