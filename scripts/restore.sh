#!/usr/bin/env bash
# Restores BACKUP=<file> made by backup.sh into the database that the settings select, replacing
# its content. Stop the web, worker and beat processes first.
#   PostgreSQL: pg_restore --clean --if-exists --no-owner, in one transaction (all or nothing).
#   SQLite:     SQLite's online backup API copies the file back over the live database.
# Asks for confirmation on a terminal; without one, set ASSUME_YES=1.
set -euo pipefail

if [ -z "${BACKUP:-}" ]; then
    echo "Usage: BACKUP=var/backups/<file> $0   (or: make restore BACKUP=...)" >&2
    exit 2
fi
if [ ! -f "$BACKUP" ]; then
    echo "No such backup file: $BACKUP" >&2
    exit 1
fi
backup="$(realpath -- "$BACKUP")"  # before _db.sh moves to the project folder

# shellcheck source=scripts/_db.sh
source "$(dirname "${BASH_SOURCE[0]}")/_db.sh"

confirm() {
    if [ "${ASSUME_YES:-}" = "1" ]; then return 0; fi
    if [ ! -t 0 ]; then
        echo "Refusing to overwrite $1 without a terminal to confirm on; set ASSUME_YES=1." >&2
        exit 1
    fi
    read -r -p "This replaces everything in $1 with $backup. Type 'yes' to go on: " answer
    [ "$answer" = "yes" ] || { echo "Nothing restored."; exit 1; }
}

case "${DATABASE_URL:-}" in
postgres://* | postgresql://*)
    confirm "the PostgreSQL database of DATABASE_URL"
    pg_restore --clean --if-exists --no-owner --no-acl --single-transaction --no-password \
        --dbname="$DATABASE_URL" "$backup"
    echo "Restored $backup into the PostgreSQL database of DATABASE_URL."
    ;;
*)
    info="$(db_engine_and_name)"
    engine="${info%%$'\n'*}"
    name="${info#*$'\n'}"
    if [ "$engine" != "sqlite3" ]; then
        echo "restore.sh knows PostgreSQL and SQLite only; this database's engine is $engine." >&2
        exit 2
    fi
    confirm "$name"
    mkdir -p "$(dirname "$name")"
    sqlite_copy "$backup" "$name"
    echo "Restored $backup into $name."
    ;;
esac
echo "Run 'python manage.py migrate' if the backup predates the current code."
