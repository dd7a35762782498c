#!/usr/bin/env bash
# Idempotent setup for reelflow: npm dependencies, media tools, fonts and the
# Temporal CLI. Called by `npm test` and `npm run demo`; safe to run by hand.
# Silent and fast when everything is already in place; prints "bootstrap: ..."
# lines only when it actually does something.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

TEMPORAL_CLI_VERSION="v1.5.1"
TOOLS_DIR="$ROOT/.tools"
TOOLS_BIN="$TOOLS_DIR/bin"
TEMPORAL_PATH_FILE="$TOOLS_DIR/temporal-path"

say() { echo "bootstrap: $*" >&2; }
die() {
  echo "bootstrap: ERROR: $*" >&2
  exit 1
}

# --- 1. npm dependencies -----------------------------------------------------
[ -f package-lock.json ] || die "package-lock.json is missing in $ROOT; run 'npm install' to create it"
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "node_modules missing or stale; running npm ci"
  npm ci --no-audit --no-fund >&2
  # Make sure the marker is newer than the lockfile, so the next run is a no-op.
  touch node_modules/.package-lock.json
fi

# --- 2. system tools and fonts ------------------------------------------------
has() { command -v "$1" >/dev/null 2>&1; }
# The caption fonts by family name, not by coverage: DejaVu covers Latin and Cyrillic too, and
# fontconfig quietly substitutes it for a missing "Noto Sans" (fc-match then prints DejaVuSans.ttf).
# `fc-list FAMILY` lists only faces of exactly that family (and exits 0 either way, so test for
# output); the captions are bold, so the bold face must be there as well.
has_family() { [ -n "$(fc-list "$1:style=Bold" family 2>/dev/null | head -n 1)" ]; }

missing_pkgs() {
  local pkgs=()
  has ffmpeg && has ffprobe || pkgs+=(ffmpeg)
  has espeak-ng || pkgs+=(espeak-ng)
  if ! has fc-list; then
    pkgs+=(fontconfig fonts-noto-core fonts-noto-cjk)
  else
    has_family "Noto Sans" || pkgs+=(fonts-noto-core)
    { has_family "Noto Sans CJK SC" && has_family "Noto Sans CJK JP" && has_family "Noto Sans CJK KR"; } ||
      pkgs+=(fonts-noto-cjk)
  fi
  echo "${pkgs[@]+"${pkgs[@]}"}"
}

MISSING="$(missing_pkgs)"
if [ -n "$MISSING" ]; then
  if [ "$(id -u)" = "0" ] && has apt-get; then
    say "installing missing system packages: $MISSING"
    export DEBIAN_FRONTEND=noninteractive
    say "apt-get update"
    apt-get update -qq >&2
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    apt-get install -y -qq --no-install-recommends $MISSING >&2
    has fc-list && fc-cache -f >/dev/null 2>&1 || true
    MISSING="$(missing_pkgs)"
    [ -z "$MISSING" ] || die "still missing after apt-get install: $MISSING"
  else
    cat >&2 <<EOF
bootstrap: ERROR: missing system dependencies (ffmpeg, ffprobe, espeak-ng, and the caption
bootstrap: fonts Noto Sans and Noto Sans CJK SC/JP/KR, checked by family with fc-list).
bootstrap: Missing here: $MISSING
bootstrap: Install them, then run this again:
bootstrap:   Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-noto-core fonts-noto-cjk fontconfig
bootstrap:   macOS (Homebrew): brew install ffmpeg espeak-ng fontconfig && brew install --cask font-noto-sans font-noto-sans-cjk
EOF
    exit 1
  fi
fi

# --- 3. Temporal CLI ----------------------------------------------------------
TEMPORAL=""
if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then
  TEMPORAL="$TEMPORAL_CLI_PATH"
elif TEMPORAL="$(command -v temporal 2>/dev/null)"; then
  case "$TEMPORAL" in /*) ;; *) TEMPORAL="$PWD/$TEMPORAL" ;; esac
elif [ -x "$TOOLS_BIN/temporal" ]; then
  TEMPORAL="$TOOLS_BIN/temporal"
else
  GO=""
  if has go; then
    GO="$(command -v go)"
  elif [ -x /usr/local/go/bin/go ]; then
    GO=/usr/local/go/bin/go
  fi
  if [ -z "$GO" ]; then
    cat >&2 <<EOF
bootstrap: ERROR: the Temporal CLI ('temporal') was not found on PATH or in .tools/bin,
bootstrap: and Go is not available to build it. Either:
bootstrap:   - install the Temporal CLI: https://docs.temporal.io/cli  (macOS: brew install temporal)
bootstrap:     and make sure 'temporal' is on PATH; or
bootstrap:   - install Go 1.22+ (https://go.dev/doc/install; Debian: apt-get install golang-go;
bootstrap:     macOS: brew install go) and run this again to build it into .tools/bin.
EOF
    exit 1
  fi
  mkdir -p "$TOOLS_BIN"
  say "building Temporal CLI $TEMPORAL_CLI_VERSION with $GO into .tools/bin (may take several minutes the first time)"
  # Go needs a cache dir; fall back to one under .tools when HOME is not set.
  if [ -z "${HOME:-}" ] && [ -z "${GOCACHE:-}" ]; then
    export GOCACHE="$TOOLS_DIR/go-cache" GOPATH="$TOOLS_DIR/go"
  fi
  GOBIN="$TOOLS_BIN" "$GO" install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
  [ -x "$TOOLS_BIN/temporal" ] || die "go install finished but $TOOLS_BIN/temporal is missing"
  TEMPORAL="$TOOLS_BIN/temporal"
  say "built $TEMPORAL"
fi

# Record the resolved path for Node (TEMPORAL_CLI_PATH env > this file > PATH).
if [ ! -f "$TEMPORAL_PATH_FILE" ] || [ "$(cat "$TEMPORAL_PATH_FILE")" != "$TEMPORAL" ]; then
  mkdir -p "$TOOLS_DIR"
  printf '%s\n' "$TEMPORAL" >"$TEMPORAL_PATH_FILE.tmp"
  mv "$TEMPORAL_PATH_FILE.tmp" "$TEMPORAL_PATH_FILE"
  say "Temporal CLI: $TEMPORAL (recorded in .tools/temporal-path)"
fi
