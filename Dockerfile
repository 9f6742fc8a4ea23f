# One image for every Skyrocket component: `skyrocket nameserver`, `skyrocket broker`, `skyrocket operator`,
# `skyrocket start` (the CLI of cli/, built to /app/cli/dist/main.js). Build from the repository root:
#
#   docker build -t ghcr.io/skyrocket/skyrocket:0.1.0 .
#
# test/integration/dockerfile.test.ts keeps the facts below (copied paths, entrypoint, ports, user) in step with
# the source. No Docker engine runs in CI here: test/integration/image.test.ts runs these stages into folders and
# the components from the result on NODE_IMAGE's Node.js major version (docs/kubernetes.md).
ARG NODE_IMAGE=node:26-trixie-slim

# --- build: install every dependency, compile the workspaces, then drop the dev dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Manifests first, so the dependency layer is reused until a package.json or the lock file changes.
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY common/package.json common/
COPY remoting/package.json remoting/
COPY store/package.json store/
COPY nameserver/package.json nameserver/
COPY broker/package.json broker/
COPY client/package.json client/
COPY operator/package.json operator/
COPY cli/package.json cli/
RUN npm ci
COPY common/ common/
COPY remoting/ remoting/
COPY store/ store/
COPY nameserver/ nameserver/
COPY broker/ broker/
COPY client/ client/
COPY operator/ operator/
COPY cli/ cli/
RUN npm run build && npm prune --omit=dev

# --- runtime: compiled workspaces and production dependencies only ---------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="skyrocket" \
      org.opencontainers.image.description="A RocketMQ-compatible message queue (NameServer, broker) and its Kubernetes operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/skyrocket/skyrocket"
# V8 semi-spaces of up to 64 MiB (16 MiB by default) for every component, like the -Xmn of RocketMQ's runbroker.sh:
# a broker's requests live for a turn or two, and with the default many survive a scavenge and get copied and
# promoted. Under the Java producer's benchmark the broker ran 3-23 % more sends/s with ~40 % less minor-GC
# time (docs/kubernetes.md, "Node.js heap"). Set NODE_OPTIONS in a pod's env to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/common/package.json common/
COPY --from=build /app/common/dist/ common/dist/
COPY --from=build /app/remoting/package.json remoting/
COPY --from=build /app/remoting/dist/ remoting/dist/
COPY --from=build /app/store/package.json store/
COPY --from=build /app/store/dist/ store/dist/
COPY --from=build /app/nameserver/package.json nameserver/
COPY --from=build /app/nameserver/dist/ nameserver/dist/
COPY --from=build /app/broker/package.json broker/
COPY --from=build /app/broker/dist/ broker/dist/
COPY --from=build /app/client/package.json client/
COPY --from=build /app/client/dist/ client/dist/
COPY --from=build /app/operator/package.json operator/
COPY --from=build /app/operator/dist/ operator/dist/
COPY --from=build /app/cli/package.json cli/
COPY --from=build /app/cli/dist/ cli/dist/

# A fixed non-root user (uid/gid 10001, as the Helm chart's securityContext expects) owning the data directory.
RUN groupadd --system --gid 10001 skyrocket \
 && useradd --system --uid 10001 --gid skyrocket --home-dir /var/lib/skyrocket --shell /usr/sbin/nologin skyrocket \
 && mkdir -p /var/lib/skyrocket \
 && chown skyrocket:skyrocket /var/lib/skyrocket
# Relative store paths (the broker's default storePathRootDir is ./.skyrocket/<broker>) land on the volume.
WORKDIR /var/lib/skyrocket
VOLUME ["/var/lib/skyrocket"]
USER 10001:10001

# NameServer remoting 9876 and HTTP 8080 (also the operator's HTTP port); broker remoting 10911 and its VIP channel
# 10909, HA 10912, HTTP 8081.
EXPOSE 9876 8080 10909 10911 10912 8081
# No HEALTHCHECK: Kubernetes probes the HTTP /healthz and /readyz endpoints (the operator's pod specs and the chart).
ENTRYPOINT ["node", "/app/cli/dist/main.js"]
CMD ["--help"]
