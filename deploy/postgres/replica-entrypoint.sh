#!/bin/bash
# The replica: on its first start, clone the primary with pg_basebackup -R (which writes
# standby.signal and primary_conninfo), then start PostgreSQL as the image does. It then
# streams the primary's WAL and answers read-only queries (hot standby).
set -euo pipefail
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    gosu postgres pg_basebackup --host postgres --username replicator \
        --pgdata "$PGDATA" --write-recovery-conf --wal-method stream --checkpoint fast
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
