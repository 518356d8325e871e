# syntax=docker/dockerfile:1.7
#
# Threadline API image.
#   build:  docker build -t threadline .
#   run:    docker run -p 3000:3000 -e JWT_SECRET=... -e ENCRYPTION_KEY=... threadline
#
# Stages:
#   build     - full install (dev deps included) and `npm run build` (tsc -> dist/)
#   prod-deps - production-only node_modules (`npm ci --omit=dev`)
#   runtime   - slim image with dist/ + production node_modules, running as uid 1000 (node)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
# Sources last so that dependency layers stay cached; .dockerignore keeps
# node_modules, dist, data and other local artefacts out of the context.
COPY . .
RUN npm run build

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

ENV NODE_ENV=production \
    PORT=3000 \
    STORAGE_DIR=/app/data/files

# Application files stay owned by root (read-only for the app user); only the
# data directory is writable. Mount a volume on /app/data (or /app/data/files).
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data/files \
    && chown -R node:node /app/data

# uid/gid 1000 is the `node` user of the official image. Numeric so that
# Kubernetes `runAsNonRoot: true` can verify it.
USER 1000:1000

EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM makes the server stop taking new actions and drain running ones for
# up to SHUTDOWN_GRACE_MS (default 25000); give `docker stop` enough time (-t 30).
STOPSIGNAL SIGTERM

CMD ["node", "dist/src/cli.js", "serve"]
