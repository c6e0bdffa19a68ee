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

# A Japanese font, so the dashboard's PNG charts carry Japanese labels too.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
# Gettext catalogues: the interface phrases are built into the package from here;
# the city's content catalogues are read from /app/translations beside /app/knowledge.
COPY translations ./translations
# The `pg` extra (psycopg) lets the same image run on PostgreSQL (RESBOT_DATABASE_URL).
# gcc only while installing: it builds retrieval's optional C part (setup.py,
# bot/core/_fused.c), then leaves the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install '.[pg]' \
    && apt-get purge -y --auto-remove gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/* build ./*.egg-info
# The city's knowledge base; to serve a different city, mount its knowledge/ and
# translations/ folders over /app/knowledge and /app/translations.
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
