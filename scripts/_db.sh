# Sourced by backup.sh and restore.sh: finds the project, a Python with Django, and the database
# that the settings select (DATABASE_URL, or SQLite under ISCM_VAR_DIR / var/ when it is unset).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

# Ask the settings themselves, so the rules for the default path live in one place.
# Prints the engine on the first line and, for SQLite, the database file on the second.
db_engine_and_name() {
    DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-iscm_survey.settings}" "$PYTHON" - <<'PY'
import django.conf

db = django.conf.settings.DATABASES["default"]
print(db["ENGINE"].rsplit(".", 1)[-1])
print(db["NAME"])
PY
}

# Copies one SQLite database to another with SQLite's online backup API: consistent even while
# the application writes (a plain cp can catch a half-written page or miss the -wal file).
sqlite_copy() {
    "$PYTHON" - "$1" "$2" <<'PY'
import sqlite3
import sys
from pathlib import Path

source_path, target_path = sys.argv[1], sys.argv[2]
source = sqlite3.connect(Path(source_path).resolve().as_uri() + "?mode=ro", uri=True)
try:
    problem = source.execute("PRAGMA quick_check").fetchone()[0]
    if problem != "ok":
        sys.exit(f"{source_path} failed SQLite's quick_check: {problem}")
    target = sqlite3.connect(target_path, timeout=20)
    try:
        source.backup(target)
    finally:
        target.close()
finally:
    source.close()
PY
}
