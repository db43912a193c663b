#!/usr/bin/env bash
# The GPU host check, in two verbs.
#
#   bash scripts/gpu_check.sh prepare        # here: pack .gpu/ (git-ignored, at most 60 MiB)
#   bash scripts/gpu_check.sh run            # on the GPU machine, with .gpu carried there
#   OUT=dir bash scripts/gpu_check.sh run --local   # here, on the software adapter, small sizes
#
# prepare packs what a GPU machine without a package registry lacks: the pinned Deno binary
# (xz), three bundled entry scripts (the report, the WebGPU suites, the GPU-host example; no
# node_modules needed) and the Vulkan loader's Debian package. run unpacks them, installs the
# loader where the system has none (not with --local), and runs benchmarks/gpu_check/report.ts,
# which writes gpu_check.json and gpu_check.txt (and the child runs' logs) under $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=.gpu
LIMIT_MIB=60
DEBS=(libvulkan1)

die() { echo "gpu_check: $*" >&2; exit 1; }

prepare() {
  mkdir -p "$PACK/debs"
  grep -qxF '.gpu/' .gitignore || die ".gpu/ is not in .gitignore: it must never be committed"
  local deno=node_modules/deno/deno
  [ -x "$deno" ] || die "$deno is missing: run 'npm install --no-audit --no-fund' first"
  command -v xz >/dev/null || die "xz is missing: apt-get install xz-utils"

  local sum; sum=$(sha256sum "$deno" | cut -d' ' -f1)
  if [ ! -f "$PACK/deno.xz" ] || [ "$(cat "$PACK/deno.sha256" 2>/dev/null)" != "$sum" ]; then
    echo "gpu_check: compressing $("$deno" --version | head -1) ($(du -m "$deno" | cut -f1) MiB) with xz…"
    xz -T0 -9 -c "$deno" >"$PACK/deno.xz.part" && mv "$PACK/deno.xz.part" "$PACK/deno.xz"
    echo "$sum" >"$PACK/deno.sha256"
  fi

  echo "gpu_check: bundling the entry scripts…"
  local entry
  for entry in benchmarks/gpu_check/report.ts benchmarks/gpu_check/suites.ts examples/gpu_host.ts; do
    "$deno" bundle --quiet --platform deno -o "$PACK/$(basename "$entry" .ts).js" "$entry"
  done

  local pkg
  for pkg in "${DEBS[@]}"; do
    if ! ls "$PACK/debs/${pkg}_"*_amd64.deb >/dev/null 2>&1; then
      echo "gpu_check: downloading the $pkg package (amd64)…"
      local lists=/tmp/remat-apt-amd64
      local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
      mkdir -p "$lists/partial"
      [ -n "$(ls "$lists" 2>/dev/null | grep -v partial)" ] || apt-get "${o[@]}" update -qq
      (cd "$PACK/debs" && apt-get "${o[@]}" download "$pkg") || die "could not download $pkg"
    fi
  done

  local mib; mib=$(du -sm "$PACK" | cut -f1)
  ls -l "$PACK" "$PACK/debs" | grep -v '^total'
  [ "$mib" -le "$LIMIT_MIB" ] || die "$PACK is $mib MiB, over the $LIMIT_MIB MiB limit"
  echo "gpu_check: $PACK holds $mib MiB (limit $LIMIT_MIB); on the GPU machine: bash scripts/gpu_check.sh run"
}

run() {
  local local_run=""
  [ "${1:-}" = "--local" ] && local_run=1
  [ -f "$PACK/deno.xz" ] && [ -f "$PACK/report.js" ] || die "$PACK is not prepared: run 'bash scripts/gpu_check.sh prepare' here first"
  local out="${OUT:-}"
  if [ -z "$out" ]; then out=$(mktemp -d); echo "gpu_check: OUT is unset; writing to $out"; fi
  mkdir -p "$out"
  local bin; bin=$(mktemp -d)/deno
  if command -v xz >/dev/null; then xz -dc "$PACK/deno.xz" >"$bin"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$PACK/deno.xz" "$bin"
  fi
  chmod +x "$bin"
  [ "$(sha256sum "$bin" | cut -d' ' -f1)" = "$(cat "$PACK/deno.sha256")" ] || die "the unpacked Deno does not match its checksum"

  local deb
  for deb in "$PACK"/debs/*.deb; do
    dpkg-deb --info "$deb" >/dev/null || die "$deb is not a valid package"
  done
  if [ -z "$local_run" ]; then
    if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
      echo "gpu_check: no Vulkan loader on this system; unpacking $PACK/debs into /"
      for deb in "$PACK"/debs/*.deb; do dpkg -x "$deb" /; done
      ldconfig
    fi
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$icd"; fi
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  fi
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
  echo "gpu_check: $("$bin" --version | head -1)"
  "$bin" run -A --no-config "$PACK/report.js" --out "$out" --bundles "$PACK" ${local_run:+--local}
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash scripts/gpu_check.sh prepare | run [--local]" >&2; exit 2 ;;
esac
