# One image for the five services; SERVICE picks which one a container runs.
FROM node:24.21.0-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends bubblewrap python3 time \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
# patch-package (a devDependency) applies patches/ on install; the dev packages go afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY libs ./libs
COPY apps ./apps
ARG SERVICE=path
ENV SERVICE=${SERVICE} NODE_ENV=production PORT=3000
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec node -r @swc-node/register apps/${SERVICE}-service/src/main.ts"]
