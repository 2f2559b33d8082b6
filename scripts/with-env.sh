#!/bin/sh
# Run a command with the production configuration: the KEY=value lines of an environment file (the
# one systemd's EnvironmentFile= reads), for cron jobs and an operator's shell. docs/operations.md.
#   scripts/with-env.sh /etc/vroegsignaal/vroegsignaal.env .venv/bin/vroegsignaal purge
# The file's values are never printed. Lines are KEY=value without quotes (base64 keys and
# %-encoded URLs need none); blank lines and lines starting with # are skipped.
set -eu
if [ $# -lt 2 ]; then
    echo "Gebruik: scripts/with-env.sh OMGEVINGSBESTAND OPDRACHT [ARGUMENTEN...]" >&2
    exit 2
fi
file=$1
shift
if [ ! -r "$file" ]; then
    echo "with-env.sh: $file bestaat niet of is niet leesbaar voor $(id -un)." >&2
    exit 2
fi
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        '' | '#'*) continue ;;
        *=*)
            key=${line%%=*}
            case $key in
                *[!A-Za-z0-9_]* | [0-9]*) echo "with-env.sh: $file: '$key' is geen naam van een variabele." >&2; exit 2 ;;
            esac
            export "$key=${line#*=}"
            ;;
        *) echo "with-env.sh: $file: een regel zonder '=' (verwacht NAAM=waarde)." >&2; exit 2 ;;
    esac
done < "$file"
exec "$@"
