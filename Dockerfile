# resbot: web chat, LINE and Telegram webhooks on port 8000.
#   docker build -t resbot .   (or: docker-compose up -d, see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid, so files in the database volume keep one owner across rebuilds.
RUN useradd --create-home --uid 10001 --user-group resbot \
    && mkdir -p /data \
    && chown resbot:resbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . && rm -rf build ./*.egg-info
# The city's knowledge base; mount another folder over it to serve a different city.
COPY knowledge ./knowledge

# RESBOT_CACHE_DIR: derived files that keep memory low (bot/core/kanwa.py,
# bot/core/tagging.py), in the volume so a re-created container reuses them.
ENV RESBOT_KNOWLEDGE=/app/knowledge \
    RESBOT_DB=/data/resbot.sqlite3 \
    RESBOT_CACHE_DIR=/data/cache \
    RESBOT_PORT=8000

USER resbot
EXPOSE 8000
VOLUME ["/data"]

# /healthz answers 503 when the database is unusable; urlopen raises on that.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('RESBOT_PORT', '8000') + '/healthz', timeout=4)"]

CMD ["resbot", "serve", "--host", "0.0.0.0"]
