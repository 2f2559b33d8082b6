#!/usr/bin/env bash
# Debian packages the test suite needs: PostgreSQL 15, Chromium (for Playwright), Pango (for WeasyPrint),
# gettext (to check the English catalogs). With --run: only what the running portal needs (Pango and a
# font for the PDF letters); without root it then warns instead of failing, since only letters need them.
set -euo pipefail
missing=()
if [ "${1:-}" != "--run" ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  command -v msgfmt >/dev/null || missing+=(gettext)
fi
# WeasyPrint (PDF letters) needs Pango and a font.
compgen -G "/usr/lib/*/libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Ontbrekende Debian-pakketten: ${missing[*]} — installeer ze met: sudo apt-get install ${missing[*]}" >&2
  if [ "${1:-}" = "--run" ]; then
    echo "Zonder deze pakketten werkt alles behalve de brieven (PDF)." >&2
    exit 0
  fi
  exit 1
fi
echo "Debian-pakketten installeren: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
