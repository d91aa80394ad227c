# Back & Hip Diary: migrate, then serve, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 10001 diary
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY app ./app
COPY migrations ./migrations
RUN pip install . && mkdir -p /app/var && chown diary:diary /app/var

USER diary
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
