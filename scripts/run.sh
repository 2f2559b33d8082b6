#!/usr/bin/env bash
# Start the background worker, the nightly purge and the web server on 127.0.0.1:8000 (demo mode); Ctrl-C stops them.
#
#   scripts/run.sh                 start (make run does, after migrate and setup_demo)
#   scripts/run.sh --voorbereiden  only check that HOST:PORT is free and make the data folder
#                                  this user's own; start nothing (make run does this first)
#
# Sourced (`source scripts/run.sh`), it defines the functions below and runs nothing (the tests).
set -euo pipefail
BIN=.venv/bin
export VROEGSIGNAAL_MODE=${VROEGSIGNAAL_MODE:-demo}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# The worker logs every task it runs; to a file, so that its lines do not bury the log-ins below.
LOG_DIR=${VROEGSIGNAAL_DATA_DIR:-var}
# The data folder holds the database, the staged deliveries and the worker's log: this user's
# only, folders 0700 and files 0600, as systemd's UMask=0077 makes them in production
# (docs/operations.md). Also for what this script and its processes make from here on.
umask 077

# The data folder (made if need be) and everything in it: this user's only. An earlier
# `make run` left it 0755, its database and log 0644.
private_data_dir() {
    mkdir -p "$1"
    chmod -R go= "$1"
}

# Why the web server cannot listen on $1:$2, in Dutch, on stdout (exit 1); nothing when it can.
# Bound as gunicorn binds (SO_REUSEADDR): only a port another program listens on is refused.
port_problem() {
    "$BIN/python" - "$1" "$2" <<'PYTHON'
import errno, socket, sys

host, port = sys.argv[1], sys.argv[2]
if not port.isdigit() or not 0 < int(port) < 65536:
    print(f"PORT={port} is geen poortnummer; kies er een van 1024 tot 65535, bijvoorbeeld PORT=8000.")
    sys.exit(1)


def listen(port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host.strip("[]"), port))
        probe.listen()


try:
    listen(int(port))
except socket.gaierror:
    print(f"HOST={host} is geen adres; gebruik 127.0.0.1 (alleen deze machine) of 0.0.0.0 (alle adressen).")
    sys.exit(1)
except OSError as error:
    if error.errno == errno.EADDRINUSE:
        free = None
        for other in range(int(port) + 1, min(int(port) + 50, 65536)):
            try:
                listen(other)
            except OSError:
                continue
            free = other
            break
        other = f"PORT={free}" if free else "PORT=<een ander nummer>"
        print(
            f"Poort {port} is al in gebruik (door een ander programma, of een eerdere 'make run' die nog "
            f"draait). Kies een andere poort, bijvoorbeeld: {other} make run"
        )
    elif error.errno == errno.EACCES:
        print(f"Poort {port} is voorbehouden aan root (onder 1024); kies bijvoorbeeld PORT=8000.")
    elif error.errno == errno.EADDRNOTAVAIL:
        print(f"HOST={host} is geen adres van deze machine; gebruik 127.0.0.1 (alleen deze machine) of 0.0.0.0 (alle adressen).")
    else:
        print(f"Kan niet luisteren op {host}:{port}: {error.strerror}.")
    sys.exit(1)
PYTHON
}

# This machine's address towards the network (the one other machines reach it by); empty without one.
outward_address() {
    "$BIN/python" - <<'PYTHON' 2>/dev/null || hostname -I 2>/dev/null | awk '{print $1}' || true
import socket

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
    probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent; the kernel picks the outgoing address
    print(probe.getsockname()[0])
PYTHON
}

# ALLOWED_HOSTS, PORTAL_URL and SHOWN_URL (the banner's) for HOST and PORT. HOST=0.0.0.0 listens on
# every address of this machine: its name and address are added to ALLOWED_HOSTS (Django answers
# 400 for a name it does not know) and PORTAL_URL, the links in notices and create_user's output,
# carries the address (http://0.0.0.0:… leads nowhere). What the environment sets is kept.
demo_address() {
    local names=(127.0.0.1 localhost) shown=$HOST
    case "$HOST" in
        0.0.0.0 | :: | "[::]")
            local address name
            address=$(outward_address)
            name=$(hostname 2>/dev/null || true)
            names+=($address $name)
            shown=${address:-${name:-127.0.0.1}}
            ;;
        127.0.0.1 | localhost) ;;
        *) names+=("$(echo "$HOST" | tr -d '[]')") ;;
    esac
    case "$shown" in *:*) [[ $shown == \[* ]] || shown="[$shown]" ;; esac  # IPv6 in a URL
    local IFS=,
    export ALLOWED_HOSTS=${ALLOWED_HOSTS:-"${names[*]}"}
    export PORTAL_URL=${PORTAL_URL:-http://$shown:$PORT}
    SHOWN_URL="$PORTAL_URL/"
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    return 0  # sourced: the functions only
fi

if ! problem=$(port_problem "$HOST" "$PORT"); then
    echo "$problem" >&2
    exit 1
fi
private_data_dir "$LOG_DIR"
if [[ "${1:-}" == --voorbereiden ]]; then
    exit 0
fi
demo_address
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
echo "Vroegsignaal draait op $SHOWN_URL  (demonstratieomgeving, Ctrl-C stopt)"
case "$HOST" in
    0.0.0.0 | :: | "[::]") echo "Op alle adressen van deze machine; hier zelf ook op http://127.0.0.1:$PORT/" ;;
esac
echo "Achtergrondverwerking (leveringen): logboek in $LOG_DIR/worker.log"
$BIN/vroegsignaal demo_logins
echo
# The project's gunicorn configuration (conf/gunicorn.py): settings checked before a worker boots,
# and master, workers and access log in one format and one time zone (Europe/Amsterdam).
$BIN/gunicorn -c python:vroegsignaal.conf.gunicorn vroegsignaal.conf.wsgi:application \
    --bind "$HOST:$PORT" --workers 2 --threads 4 --timeout 300 &
WEB=$!
wait "$WEB"
