# treaty-api: migrate, seed and serve (`treaty-api start`). Plain on purpose: no Docker
# engine runs on the development machines, so this file is kept simple enough to review by eye.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/treaty.sqlite

RUN useradd --create-home --uid 10001 treaty && mkdir /data && chown treaty /data
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install --no-cache-dir -e .

USER treaty
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
# Migrate, seed (never undoing an API edit; PostgreSQL replicas take turns under an advisory
# lock), then serve. Seed conflicts are printed and the API's version stays.
CMD ["treaty-api", "start", "--host", "0.0.0.0", "--port", "8000"]
