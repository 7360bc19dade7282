# Runtime image: pinned dependencies first (cached layer), then the source.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/app/.matplotlib

WORKDIR /app

COPY requirements.lock ./
RUN python -m pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY laws_catalog ./laws_catalog
COPY planner ./planner
RUN python -m pip install --no-deps . && python -c "import planner; from laws_catalog import CATALOG; CATALOG.load_all()"
# matplotlib's font cache, built once here (else every process builds it on its first picture)
RUN python -c "import matplotlib.font_manager" && chmod -R a+rwX "$MPLCONFIGDIR"

USER 65534:65534
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"

# One process per container; scale out with replicas behind a load balancer sharing Redis.
CMD ["uvicorn", "planner.api.asgi:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--no-access-log"]
# (--no-access-log: the service writes its own structured access log line, PLANNER_ACCESS_LOG)
