#!/usr/bin/env bash
# Backs up the database that the settings select:
#   PostgreSQL (DATABASE_URL=postgres://...): pg_dump custom format -> var/backups/iscm-<UTC time>.dump
#   SQLite (DATABASE_URL unset or sqlite://): online copy          -> var/backups/iscm-<UTC time>.sqlite3
# BACKUP_DIR overrides the folder. Uploaded media (MEDIA_ROOT) are not included.
set -euo pipefail
# shellcheck source=scripts/_db.sh
source "$(dirname "${BASH_SOURCE[0]}")/_db.sh"

backup_dir="${BACKUP_DIR:-$ROOT/var/backups}"
mkdir -p "$backup_dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

case "${DATABASE_URL:-}" in
postgres://* | postgresql://*)
    target="$backup_dir/iscm-$stamp.dump"
    # pg_dump must be as new as the server (PostgreSQL 16 in docker-compose.yml).
    pg_dump --format=custom --no-password --dbname="$DATABASE_URL" --file="$target.partial"
    ;;
*)
    info="$(db_engine_and_name)"
    engine="${info%%$'\n'*}"
    name="${info#*$'\n'}"
    if [ "$engine" != "sqlite3" ]; then
        echo "backup.sh knows PostgreSQL and SQLite only; this database's engine is $engine." >&2
        exit 2
    fi
    if [ ! -f "$name" ]; then
        echo "No SQLite database at $name (run 'make run' or migrate first)." >&2
        exit 1
    fi
    target="$backup_dir/iscm-$stamp.sqlite3"
    sqlite_copy "$name" "$target.partial"
    ;;
esac

mv "$target.partial" "$target"
chmod 600 "$target"
echo "Backup written to $target ($(du -h "$target" | cut -f1))"
echo "Restore it with: make restore BACKUP=$target"
