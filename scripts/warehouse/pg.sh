#!/usr/bin/env bash
# A throw-away PostgreSQL server on a loopback port, for the warehouse tests.
#   pg.sh start DIR   initdb into DIR, start on a free port on 127.0.0.1,
#                     print the port (the server runs until `stop`)
#   pg.sh stop DIR    stop it
# As root, the server runs as the `postgres` user (initdb refuses root).
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop DIR}
dir=${2:?usage: pg.sh start|stop DIR}
bin=$(for d in /usr/lib/postgresql/*/bin; do [[ -x $d/pg_ctl ]] && echo "$d"; done | sort -V | tail -1)
[[ -n $bin ]] || { echo "pg.sh: no PostgreSQL server found (run scripts/warehouse/env.sh)" >&2; exit 1; }

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case $cmd in
start)
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres "$dir"
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # On failure the log says why (it goes to the test's message).
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { tail -n 20 "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c timezone=America/New_York" \
        start >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    echo "$port"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: pg.sh start|stop DIR" >&2
    exit 2
    ;;
esac
