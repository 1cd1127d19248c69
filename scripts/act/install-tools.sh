#!/usr/bin/env bash
# Makes act and actionlint available to the workflow tests. A binary already on PATH wins;
# otherwise the pinned version is built with `go install` into .cache/bin (GOBIN), once, and
# reused from there. Prints where each tool comes from. Needs Go >= 1.24 only when building.
# Usage: install-tools.sh [act] [actionlint]   (no argument: both)
set -euo pipefail
cd "$(dirname "$0")/../.."

ACT_MODULE='github.com/nektos/act'
ACT_VERSION='v0.2.87'
ACTIONLINT_MODULE='github.com/rhysd/actionlint/cmd/actionlint'
ACTIONLINT_VERSION='v1.7.12'
CACHE_BIN="$PWD/.cache/bin"

# ensure_tool NAME MODULE VERSION: PATH, then the cache, then go install into the cache.
ensure_tool() {
  local name=$1 module=$2 version=$3
  if command -v "$name" >/dev/null 2>&1; then
    echo "$name: using $(command -v "$name") from PATH"
    return
  fi
  if [ -x "$CACHE_BIN/$name" ] && [ -f "$CACHE_BIN/$name.version" ] &&
    [ "$(cat "$CACHE_BIN/$name.version")" = "$version" ]; then
    echo "$name: using cached $CACHE_BIN/$name ($version)"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "$name: not on PATH and Go is missing; install Go >= 1.24, or $name itself" >&2
    return 1
  fi
  echo "$name: not on PATH; installing $module@$version into $CACHE_BIN with go install"
  mkdir -p "$CACHE_BIN"
  GOBIN="$CACHE_BIN" go install "$module@$version"
  echo "$version" >"$CACHE_BIN/$name.version"
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(actionlint act)
for tool in "${tools[@]}"; do
  case "$tool" in
    act) ensure_tool act "$ACT_MODULE" "$ACT_VERSION" ;;
    actionlint) ensure_tool actionlint "$ACTIONLINT_MODULE" "$ACTIONLINT_VERSION" ;;
    *)
      echo "unknown tool '$tool': expected act or actionlint" >&2
      exit 2
      ;;
  esac
done
