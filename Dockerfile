# folioql as a container: `docker build -t folioql .`, or `docker compose up`
# with compose.yml to run it beside PostgreSQL 17.
# Node 22 LTS: what the locked dependencies ask for (>= 22.15).

# The build: the server compiled to dist/ with the migrated PGlite images
# (npm run build), which needs the development dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY drizzle ./drizzle
COPY src ./src
RUN node src/scripts/build.mjs

# Production dependencies only, installed exactly from the lockfile. The
# postinstall script applies patches/ (patch-package, a production dependency
# for this reason) to node_modules, so patches/ comes in first.
FROM node:22-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY drizzle ./drizzle
COPY --from=build /app/dist ./dist
# The trusted-documents manifest PERSISTED_OPERATIONS=only reads.
COPY src/programs/client/generated/persisted-documents.json ./src/programs/client/generated/
# Without DATABASE_URL the server keeps an embedded database in .data/,
# which must belong to the user it runs as.
RUN mkdir .data && chown node:node .data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The compiled server on plain node: no tsx, no npm, so SIGTERM reaches it and it drains.
CMD ["node", "dist/index.js"]
