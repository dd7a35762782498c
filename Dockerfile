# reelflow worker / API image.
# Debian (glibc) base on purpose: the Temporal core bridge ships glibc binaries,
# so Alpine/musl images do not work.
FROM node:20-bookworm-slim

# Media tools and fonts for Latin, Cyrillic, CJK and Hangul subtitles
# (same set scripts/bootstrap.sh installs on a dev machine).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ffmpeg espeak-ng fonts-noto-core fonts-noto-cjk fontconfig ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Install dependencies first so this layer is cached until the lockfile changes.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .

# Shared data directory (a named volume in docker-compose.yml, shared by API and workers).
RUN mkdir -p /data && chown node:node /data /app
ENV DATA_DIR=/data
VOLUME ["/data"]

USER node

CMD ["node", "bin/reelflow.js", "worker"]
