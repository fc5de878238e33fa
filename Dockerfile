# Readout as a long-running container: non-root, its SQLite store in the /data volume.
# tests/test_docker.py checks this file against the CLI and the config (no Docker needed).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer, read from pyproject.toml alone (the runtime ones
# and the build's setuptools) at the versions constraints.txt pins: a code or README change
# does not reinstall them, and a build next year installs what this one did.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(p['project']['dependencies'] + p['build-system']['requires']))" > requirements.txt \
    && pip install -c constraints.txt -r requirements.txt

COPY README.md LICENSE ./
COPY analysis ./analysis
COPY bot ./bot
COPY scrapers ./scrapers
COPY store ./store
COPY readout ./readout
# Built with the pinned setuptools installed above, not one an isolated build would fetch.
RUN pip install --no-deps --no-build-isolation . \
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
# The check reads the same config and environment as the service, so it asks wherever
# READOUT_HEALTH_LISTEN (or health.listen in the config) moved the endpoint.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["readout", "healthcheck"]
# Exec form, so SIGTERM from `docker stop` reaches Readout (it stops within 10 s).
CMD ["readout", "run"]
