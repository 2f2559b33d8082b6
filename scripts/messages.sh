#!/usr/bin/env bash
# The English catalogs: gather each app's texts into its locale/en/LC_MESSAGES/django.po
# (keeping the translations already there) and compile them to django.mo.
# Usage: scripts/messages.sh [app ...]   (default: every app with texts)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export VROEGSIGNAAL_MODE=demo DJANGO_SETTINGS_MODULE=vroegsignaal.conf.settings
apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then
  mapfile -t apps < <(scripts/messages-apps.sh)
fi
for app in "${apps[@]}"; do
  dir=src/vroegsignaal/$app
  [ -f "$dir/apps.py" ] || { echo "Geen app: $app" >&2; exit 2; }
  mkdir -p "$dir/locale"
  (cd "$dir" && "$root/.venv/bin/django-admin" makemessages -l en -i "tests/*" --no-obsolete --add-location=file -v 0 \
    && "$root/.venv/bin/django-admin" compilemessages -l en -v 0)
  echo "$app: $(grep -c '^msgid "' "$dir/locale/en/LC_MESSAGES/django.po") teksten"
done
