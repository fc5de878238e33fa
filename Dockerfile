# Readout as a long-running container: non-root, state in the /data volume.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p bot scrapers store readout \
    && touch bot/__init__.py scrapers/__init__.py store/__init__.py readout/__init__.py \
    && pip install . \
    && pip uninstall -y readout

COPY bot ./bot
COPY scrapers ./scrapers
COPY store ./store
COPY readout ./readout
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /data readout \
    && mkdir -p /data \
    && chown readout /data

USER readout
WORKDIR /data
VOLUME ["/data"]
# Mount a config at /data/readout.toml (found from the working directory) or set
# READOUT_CONFIG; the store defaults to data/readout.db under /data.
CMD ["readout", "run"]
