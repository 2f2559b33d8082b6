#!/usr/bin/env bash
# Start the background worker, the nightly purge and the web server on 127.0.0.1:8000 (demo mode); Ctrl-C stops them.
set -euo pipefail
BIN=.venv/bin
export VROEGSIGNAAL_MODE=${VROEGSIGNAAL_MODE:-demo}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in e-mail notices and create_user's output point at this server.
export PORTAL_URL=${PORTAL_URL:-http://$HOST:$PORT}
# The worker logs every task it runs; to a file, so that its lines do not bury the log-ins below.
LOG_DIR=${VROEGSIGNAAL_DATA_DIR:-var}
mkdir -p "$LOG_DIR"
# In a session of its own: Ctrl-C reaches every process of the terminal's foreground group, and
# would end the worker's encryption child in the middle of a delivery (the delivery breaks off).
# stop() below stops the worker instead, as systemd does with KillMode=mixed (docs/operations.md).
setsid $BIN/vroegsignaal db_worker --queue-name '*' >>"$LOG_DIR/worker.log" 2>&1 &
WORKER=$!
# Retention: `vroegsignaal purge` every night at 03:00 (in production: the cron line in docs/security.md).
(
    while true; do
        sleep $(( $(date -d 'tomorrow 03:00' +%s) - $(date +%s) ))
        $BIN/vroegsignaal purge || echo "vroegsignaal purge is mislukt; de volgende nacht opnieuw" >&2
    done
) &
PURGE=$!
WEB=
# One TERM: the worker finishes the task it is running (a delivery is applied whole) and stops. A
# second Ctrl-C stops it at once: the delivery breaks off, nothing of it is applied, and it waits as
# stalled (*Opnieuw verwerken* on its page, or `vroegsignaal deliver --opnieuw ID`).
stop_worker() {
    kill -TERM "$WORKER" 2>/dev/null || return 0
    trap 'kill -TERM "$WORKER" 2>/dev/null || true' INT TERM HUP
    local tenths=0
    while kill -0 "$WORKER" 2>/dev/null && [ "$tenths" -lt 10 ]; do  # idle, it stops at once
        sleep 0.1 || true
        tenths=$((tenths + 1))
    done
    if kill -0 "$WORKER" 2>/dev/null; then
        echo "De worker maakt zijn taak af (een levering wordt helemaal verwerkt of niet) en stopt dan;" \
            "Ctrl-C stopt hem meteen (de levering wordt dan niet verwerkt en kan opnieuw)." >&2
    fi
    while kill -0 "$WORKER" 2>/dev/null; do
        wait "$WORKER" 2>/dev/null || true  # returns early for a trapped signal: wait again
    done
}
# Ctrl-C (or a TERM to this script) stops all three. gunicorn runs as a child, not by `exec`:
# `exec` would drop this trap and leave the worker and the nightly purge running.
stop() {
    trap - EXIT
    pkill -P "$PURGE" 2>/dev/null || true  # the purge loop's sleep
    kill $WEB $PURGE 2>/dev/null || true
    stop_worker
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
echo
echo "Vroegsignaal draait op http://$HOST:$PORT/  (demonstratieomgeving, Ctrl-C stopt)"
echo "Achtergrondverwerking (leveringen): logboek in $LOG_DIR/worker.log"
$BIN/vroegsignaal demo_logins
echo
# The project's gunicorn configuration (conf/gunicorn.py): settings checked before a worker boots,
# and master, workers and access log in one format and one time zone (Europe/Amsterdam).
$BIN/gunicorn -c python:vroegsignaal.conf.gunicorn vroegsignaal.conf.wsgi:application \
    --bind "$HOST:$PORT" --workers 2 --threads 4 --timeout 300 &
WEB=$!
wait "$WEB"
