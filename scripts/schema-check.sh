#!/usr/bin/env bash
# The committed OpenAPI document must match what the code generates.
set -euo pipefail
committed=docs/openapi.yaml
[ -f "$committed" ] || { echo "docs/openapi.yaml ontbreekt; maak hem met: make openapi"; exit 1; }
tmp=$(mktemp)
VROEGSIGNAAL_MODE=demo .venv/bin/vroegsignaal spectacular --file "$tmp" --validate --fail-on-warn
if ! diff -u "$committed" "$tmp" >/dev/null; then
  echo "docs/openapi.yaml is verouderd; werk hem bij met: make openapi" >&2
  diff -u "$committed" "$tmp" | head -40 >&2
  rm -f "$tmp"; exit 1
fi
rm -f "$tmp"
echo "OpenAPI-document is actueel."
