"""Big questions as background jobs: ``POST /v1/jobs`` queues one, ``GET /v1/jobs/{id}`` reports
its status, progress (rows done of total) and result.

Two executors serve the same API:

* :mod:`planner.jobs.rq_queue` when a Redis is configured: jobs go on an RQ queue and
  ``planner worker`` processes (any number, on any machines sharing the Redis) run them.
  RQ rather than Celery, Dramatiq or arq: it needs nothing but Redis (which the service already
  uses for its cache), it runs each job in a forked work horse of a warm worker process (a job
  that crashes or overruns its timeout cannot take the worker down), and it stores status,
  metadata and results with their own TTLs in plain Redis keys — all we need, nothing more to
  operate (no broker, no result backend, no asyncio-only workers);
* :mod:`planner.jobs.in_process` otherwise (``make serve``): a thread in the API process, with
  the same statuses, progress and result expiry, so nothing needs setting up.

This package's ``__init__`` imports nothing heavy: the client-side progress bar
(:mod:`planner.jobs.progress`) must load without the optimiser.
"""
