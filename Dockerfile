# Readout as a long-running container: non-root, its SQLite store in the /data volume.
# tests/test_docker.py checks this file against the CLI and the config (no Docker needed).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer, read from pyproject.toml alone: a code or README
# change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install -r requirements.txt

COPY README.md ./
COPY bot ./bot
COPY scrapers ./scrapers
COPY store ./store
COPY readout ./readout
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home --home-dir /data readout \
    && mkdir -p /data \
    && chown 10001 /data

# Every config key has a READOUT_<TABLE>_<KEY> variable that wins over the file. A config
# file is found as /data/readout.toml (the working directory), or wherever READOUT_CONFIG
# points (mount it read-only, e.g. at /etc/readout/readout.toml).
ENV READOUT_STORE_PATH=/data/readout.db \
    READOUT_HEALTH_LISTEN=0.0.0.0:8080

USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
# Exec form, so SIGTERM from `docker stop` reaches Readout (it stops within 10 s).
CMD ["readout", "run"]
