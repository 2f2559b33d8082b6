#!/usr/bin/env bash
# The apps with texts to translate: any gettext call or translate tag outside the tests.
set -euo pipefail
cd "$(dirname "$0")/../src/vroegsignaal"
for dir in */; do
  app=${dir%/}
  [ -f "$app/apps.py" ] || continue
  if grep -rqlE --include=*.py --include=*.html --include=*.txt --exclude-dir=tests \
      'gettext|\{% *(translate|trans|blocktranslate|blocktrans) ' "$app"; then
    echo "$app"
  fi
done
