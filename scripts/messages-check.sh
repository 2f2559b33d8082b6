#!/usr/bin/env bash
# The English catalogs must hold every text of the code, translated, and be compiled:
# gathers each app's texts into a copy of its catalog and fails on any untranslated or
# fuzzy text, or on a django.mo that is not the compiled django.po.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export VROEGSIGNAAL_MODE=demo DJANGO_SETTINGS_MODULE=vroegsignaal.conf.settings
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for app in $(scripts/messages-apps.sh); do
  dir=src/vroegsignaal/$app
  po=$dir/locale/en/LC_MESSAGES/django.po
  if [ ! -f "$po" ]; then
    echo "$app: geen Engelse vertaling ($po); maak hem met: make messages" >&2
    failed=1; continue
  fi
  mkdir -p "$tmp/$app"
  cp -r "$dir/." "$tmp/$app/"
  (cd "$tmp/$app" && "$root/.venv/bin/django-admin" makemessages -l en -i "tests/*" --no-obsolete -v 0)
  gathered=$tmp/$app/locale/en/LC_MESSAGES/django.po
  missing=$(msgattrib --untranslated --no-obsolete "$gathered"; msgattrib --only-fuzzy --no-obsolete "$gathered" | grep -v '^#, fuzzy$' || true)
  if grep -q '^msgid "..*"' <<<"$missing"; then
    echo "$app: teksten zonder (zekere) Engelse vertaling — werk bij met: make messages" >&2
    grep '^msgid "' <<<"$missing" | grep -v '^msgid ""$' | head -20 >&2
    failed=1
  fi
  msgfmt --check -o "$tmp/$app.mo" "$po"
  if ! cmp -s "$tmp/$app.mo" "${po%.po}.mo"; then
    echo "$app: django.mo is niet de vertaalde django.po; werk bij met: make messages" >&2
    failed=1
  fi
done
# Django merges the apps' catalogs and one translation of a Dutch text wins everywhere:
# the same text must have the same English in every app (msgcat marks the differing ones fuzzy).
mapfile -t catalogs < <(ls src/vroegsignaal/*/locale/en/LC_MESSAGES/django.po)
differing=$(msgcat --no-wrap "${catalogs[@]}" | msgattrib --only-fuzzy --no-wrap | grep '^msgid "..*"' || true)
if [ -n "$differing" ]; then
  echo "Dezelfde tekst heeft in verschillende apps een andere Engelse vertaling:" >&2
  echo "$differing" | head -20 >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "Engelse vertalingen zijn volledig, eensluidend en gecompileerd."
exit "$failed"
