# meshwatch: `meshwatch serve` by default. Build: docker build -t meshwatch .
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY config ./config
COPY sources ./sources
COPY catalog ./catalog
COPY checks ./checks
COPY state ./state
COPY accountability ./accountability
COPY notifier ./notifier
COPY scheduler ./scheduler
COPY status ./status
COPY cli ./cli
COPY scripts ./scripts
COPY bench ./bench
COPY examples ./examples
# `prepare` compiles TypeScript to dist/; the dev dependencies go afterwards.
RUN npm ci --no-audit --no-fund --include=dev && npm prune --omit=dev && mkdir -p /var/log/meshwatch \
  && chown -R node:node /app/examples /var/log/meshwatch
USER node
EXPOSE 8080
# Any other command: docker run meshwatch node dist/cli/main.js validate --config DIR
CMD ["node", "dist/cli/main.js", "serve", "--config", "examples/demo-mesh", "--port", "8080"]
