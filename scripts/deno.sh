#!/bin/sh
# Runs Deno for `deno task`: the Deno that runs the task when it exports its path, else the
# one on PATH (inside a task that is node_modules/.bin/deno, the pinned npm build).
# A wrapper because `deno task` would otherwise try to execute node_modules/.bin/deno as a script.
exec "${DENO_EXEC_PATH:-deno}" "$@"
