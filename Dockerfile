# treaty-api: migrate, seed and serve. Plain on purpose: no Docker engine runs on the
# development machines, so this file is kept simple enough to review by eye.
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
EXPOSE 8000
CMD ["sh", "-c", "treaty-api db upgrade && treaty-api seed && exec treaty-api serve --host 0.0.0.0 --port 8000"]
