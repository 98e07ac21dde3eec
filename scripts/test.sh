#!/usr/bin/env bash
# `npm test`: installs the system packages the suite needs when missing,
# type-checks, lints (formatting included), builds the web app if its
# sources changed and the CLI, runs every test.
# Extra arguments go to vitest (e.g. `npm test -- tests/fmf`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
npm run --silent db:generate >/dev/null
echo "type-checking…"
npx tsc --noEmit -p .
echo "linting…"
npm run --silent lint
node --import tsx scripts/build-web.ts
node --import tsx scripts/build-cli.ts
# The tests' temporary files and folders go in one folder, removed at the end
# whatever they left; open to every user like /tmp (sshd, PostgreSQL and
# libvirt run tests' parts under their own users).
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/testyard-tests.XXXXXX")"
chmod 1777 "$TMPDIR"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
npx vitest run "$@"
