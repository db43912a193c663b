#!/bin/sh
# The service's production checks (benchmarks/service_checks.ts) under Deno, then under Bun:
# responsiveness while a job trains, atomic admission, and bit-identical resume after a
# kill -9 of the server's process group. Exits non-zero when either runtime fails a check.
set -u
status=0
echo "== service checks under Deno =="
sh scripts/deno.sh run -A benchmarks/service_checks.ts || status=1
echo "== service checks under Bun =="
npx bun benchmarks/service_checks.ts || status=1
exit $status
