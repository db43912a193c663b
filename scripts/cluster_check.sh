#!/bin/sh
# The cluster check (benchmarks/cluster_check.ts) under Deno, then under Bun: one API, three
# workers, a dozen jobs, one worker killed with SIGKILL mid-job. Needs REMAT_TEST_DATABASE_URL
# (eval "$(bash scripts/pg_cluster.sh start)"). Exits non-zero when either runtime fails.
set -u
status=0
echo "== cluster check under Deno =="
sh scripts/deno.sh run -A benchmarks/cluster_check.ts || status=1
echo "== cluster check under Bun =="
npx bun benchmarks/cluster_check.ts || status=1
exit $status
