# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies (tsc); only dist/ leaves this stage.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: the production dependencies, installed afresh from the lock file (sharp takes its
# prebuilt linux-x64 glibc binary, which slim's glibc runs), and the compiled code. Runs as `node`.
FROM node:24-slim
# HTTP_PORT alone turns on the HTTP server, which answers /healthz for the HEALTHCHECK.
ENV NODE_ENV=production HTTP_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The SQLite store (STORE_URL default sqlite://./data/bot.sqlite) lives on a volume so it survives new containers.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
# slim has no curl: node's own fetch asks the bot. Ready within a second, so a short start period is enough.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.HTTP_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly, not npm start: signals (SIGTERM on `docker stop`) reach the bot, which shuts down cleanly.
# The same flags as `npm start` (a test keeps them equal); the small young generation is README → Performance.
CMD ["node", "--experimental-sqlite", "--max-semi-space-size=4", "dist/main.js"]
