#!/usr/bin/env bash
# Entry point behind `npm start`, `npm test` and `npm bench` (and the same pnpm scripts):
# on a fresh machine with only Node >= 20 and npm, it installs the pinned pnpm into .tools/,
# installs the workspace, and then runs the job.
#   start  build and run the main job (examples/gpt-quickstart)
#   test   install the system packages the tests need (as root), build, lint, run every suite
#   bench  build and run the benchmark suite (extra arguments name workloads)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
job=${1:?usage: scripts/run.sh start|test|bench [args...]}
shift

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  if [ ! -x "$root/.tools/node_modules/.bin/pnpm" ] ||
     [ "$("$root/.tools/node_modules/.bin/pnpm" --version)" != "$pnpm_version" ]; then
    echo "[run] installing pnpm@$pnpm_version into .tools/"
    npm install --silent --no-audit --no-fund --prefix "$root/.tools" "pnpm@$pnpm_version" >/dev/null
  fi
  export PATH="$root/.tools/node_modules/.bin:$PATH"
fi

# Skip the (quick, but chatty) install when the lockfile has not changed since the last one.
stamp=node_modules/.scratchseq-install-stamp
lock_hash=$(cat pnpm-lock.yaml package.json 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
  lock_hash=$(cat pnpm-lock.yaml package.json | sha256sum | cut -c1-16)
  echo "$lock_hash" > "$stamp"
fi

case "$job" in
  start)
    # Only the packages the main job imports (and their dependencies).
    pnpm exec turbo run build --filter=@scratchseq/example-gpt-quickstart... --output-logs=errors-only
    pnpm --filter @scratchseq/example-gpt-quickstart start -- "$@"
    ;;
  test)
    bash scripts/setup-system.sh
    export SCRATCHSEQ_REQUIRE_WEBGPU=${SCRATCHSEQ_REQUIRE_WEBGPU:-1}
    node scripts/check-adapter.mjs
    pnpm exec biome check .
    pnpm exec turbo run build typecheck --output-logs=errors-only
    pnpm exec turbo run test --concurrency=1 --output-logs=full "$@"
    node scripts/summarize-tests.mjs
    ;;
  bench)
    pnpm exec turbo run build --output-logs=errors-only
    node bench/run.mjs "$@"
    ;;
  *)
    echo "unknown job: $job" >&2
    exit 2
    ;;
esac
