#!/bin/sh
# Installs jax-js (npm @jax-js/jax, pinned), the optional JavaScript peer of the peers bench
# (--model mlp), into .peers/jaxjs/ (git-ignored). Benchmarks only: no test and neither of the
# README's two commands needs it. Idempotent: a second run finds the pinned version and stops.
set -eu
cd "$(dirname "$0")/../.."
version=0.1.25
package=.peers/jaxjs/node_modules/@jax-js/jax/package.json
if [ -f "$package" ] && grep -q "\"version\": \"$version\"" "$package"; then
  echo "peers: jax-js $version already in .peers/jaxjs/"
  exit 0
fi
mkdir -p .peers/jaxjs
npm install --prefix .peers/jaxjs --no-audit --no-fund --no-save --loglevel=error "@jax-js/jax@$version"
echo "peers: installed @jax-js/jax@$version into .peers/jaxjs/node_modules/@jax-js/jax"
