#!/usr/bin/env bash
# JSR readiness of the workspace's packages. For each package folder given (default: all of
# them), relative to the repository root:
#   1. its deno.json has name, version, license and exports;
#   2. `npx deno publish --dry-run --allow-dirty`, run inside the folder, succeeds (slow types
#      included: no --allow-slow-types);
#   3. `npx deno doc --lint` over all of its entry points (the values of deno.json's "exports")
#      reports nothing, with one tolerated kind of diagnostic, below.
# Prints one line per package, "ok <pkg>" or "FAIL <pkg>" (the reasons go to stderr), and exits
# non-zero when any package failed.
#
# The tolerated diagnostic: a `private-type-ref` whose referenced type is declared under
# node_modules (effect, hono, fast-check, @standard-schema). Locally npm packages resolve to file://
# modules (nodeModulesDir "manual"), so `deno doc --lint` calls their types private
# (denoland/deno#27364; the fix for jsr:/npm: specifiers does not cover file:// ones); on JSR they
# are dependencies' public types, and re-exporting them would pull in their own undocumented
# symbols. Sibling workspace packages resolve to file:// modules too, but their types are not
# tolerated: a package whose signatures use another package's types (@remat/core's `Profile` in
# @remat/strategies) re-exports them with `export type { ... }` from its entry module, so its docs
# are complete. So a private-type-ref fails when the line the diagnostic shows as the referenced
# type is found, at that line number, in any .ts file of the repository outside node_modules.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
export NO_COLOR=1

ALL=(core backends/cpu backends/webgpu strategies conformance datasets plugins/server plugins/cli plugins/plots examples)
if [ "$#" -gt 0 ]; then pkgs=("$@"); else pkgs=("${ALL[@]}"); fi

# Prints "<entry>" lines (paths relative to the repository root) for a package, or fails with a
# reason when a required field is missing.
entry_points() {
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const dir = process.argv[1];
    let cfg;
    try { cfg = JSON.parse(fs.readFileSync(path.join(dir, "deno.json"), "utf8")); }
    catch (e) { console.error(`cannot read ${dir}/deno.json: ${e.message}`); process.exit(1); }
    const missing = ["name", "version", "license", "exports"].filter((k) => cfg[k] === undefined);
    if (missing.length) { console.error(`${dir}/deno.json lacks: ${missing.join(", ")}`); process.exit(1); }
    const exp = typeof cfg.exports === "string" ? [cfg.exports] : Object.values(cfg.exports);
    for (const e of exp) console.log(path.join(dir, e));
  ' "$1"
}

# Every .ts file of the repository outside node_modules: where a referenced type found by
# judge_doc_lint is one of ours, not a dependency's.
mapfile -t REPO_TS < <(find . -name node_modules -prune -o -name '*.ts' -type f -print)

# Reads `deno doc --lint` output on stdin; prints the diagnostics that count (all but
# private-type-refs to types declared under node_modules) and exits 1 when there are any.
judge_doc_lint() {
  local rc=0 block="" kind="" refno="" reftext="" prev=""
  flush() {
    [ -z "$kind" ] && return
    if [ "$kind" = "private-type-ref" ] && [ -n "$refno" ]; then
      # Declared in the repository: line $refno of some .ts file reads $reftext (trailing blanks aside).
      if REFTEXT=$reftext awk -v n="$refno" '
        FNR == n { sub(/[[:space:]]+$/, ""); if ($0 == ENVIRON["REFTEXT"]) { found = 1; exit } nextfile }
        END { exit !found }' "${REPO_TS[@]}"; then
        printf '%s\n' "$block"
        rc=1
      fi
    else
      printf '%s\n' "$block"
      rc=1
    fi
    block="" kind="" refno="" reftext=""
  }
  while IFS= read -r line; do
    case "$line" in
      "npm warn"*) continue ;;
      error\[*)
        flush
        kind=${line#error[}
        kind=${kind%%]*}
        block=$line
        ;;
      "error: Found "*" documentation lint error"*) flush ;;
      error:*)
        flush
        printf '%s\n' "$line"
        rc=1
        ;;
      *)
        if [ -n "$kind" ]; then
          block+=$'\n'"$line"
          if [[ $line == *"this is the referenced type"* ]] && [[ $prev =~ ^[[:space:]]*([0-9]+)\ \|\ (.*)$ ]]; then
            refno=${BASH_REMATCH[1]}
            reftext=$(printf '%s' "${BASH_REMATCH[2]}" | sed 's/[[:space:]]*$//')
          fi
        fi
        ;;
    esac
    prev=$line
  done
  flush
  return "$rc"
}

failed=0
for pkg in "${pkgs[@]}"; do
  pkg=${pkg%/}
  reasons=""
  if ! entries_out=$(entry_points "$pkg" 2>&1); then
    reasons+="$entries_out"$'\n'
  else
    mapfile -t entries <<<"$entries_out"
    if ! out=$(cd "$pkg" && npx deno publish --dry-run --allow-dirty 2>&1); then
      reasons+="deno publish --dry-run failed:"$'\n'"$(grep -v '^npm warn' <<<"$out" | grep -v '^   file://')"$'\n'
    fi
    lint_out=$(npx deno doc --lint "${entries[@]}" 2>&1 >/dev/null)
    if ! counted=$(judge_doc_lint <<<"$lint_out"); then
      reasons+="deno doc --lint ${entries[*]}:"$'\n'"$counted"$'\n'
    fi
  fi
  if [ -z "$reasons" ]; then
    echo "ok $pkg"
  else
    printf '%s' "$reasons" | sed "s|^|  [$pkg] |" >&2
    echo "FAIL $pkg"
    failed=1
  fi
done
exit "$failed"
