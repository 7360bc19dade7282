"""Many budgets or targets in one request, as JSON or CSV rows."""
