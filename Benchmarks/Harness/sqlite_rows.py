"""One statement per row against multi-row statements, on the history table's schema (SQLite through Python).

Usage: python3 Benchmarks/Harness/sqlite_rows.py [PATH]   (default /tmp/sqlite_rows.sqlite; the file is replaced)
Inserts 10,000 queued rows in transactions of 500, then writes their outcomes, once with one statement per row
(executemany) and once with 50 and 200 rows a statement (INSERT ... VALUES (...), (...) and UPDATE ... FROM
(VALUES ...), what HistoryWriter does since 0b0fd18), and prints microseconds per row. Python's sqlite3 module
uses the system's libsqlite3, the one the daemon links.
"""
import os
import sqlite3
import sys
import time

PATH = sys.argv[1] if len(sys.argv) > 1 else "/tmp/sqlite_rows.sqlite"
ROWS, PER_TRANSACTION = 10_000, 500
SCHEMA = """
CREATE TABLE run (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, plugin TEXT NOT NULL, trigger TEXT NOT NULL,
    scheduled_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, status TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1, error TEXT, output TEXT, first_run_id INTEGER, queued_at INTEGER);
CREATE UNIQUE INDEX run_slot ON run(task, scheduled_at) WHERE trigger IN ('schedule', 'catch-up') AND attempt = 1;
CREATE INDEX run_task_id ON run(task, id);
CREATE INDEX run_status ON run(status) WHERE status IN ('queued', 'running');
CREATE INDEX run_finished_at ON run(finished_at) WHERE finished_at IS NOT NULL;
"""
INSERT = "INSERT OR IGNORE INTO run VALUES "
UPDATE = """WITH v(status, started, finished, error, output, id) AS (VALUES {values})
UPDATE run SET status = v.status, started_at = COALESCE(v.started, run.started_at), finished_at = v.finished,
    error = v.error, output = v.output
FROM v WHERE run.id = v.id AND run.status IN ('queued', 'running')"""
UPDATE_ONE = """UPDATE run SET status = ?, started_at = COALESCE(?, started_at), finished_at = ?, error = ?, output = ?
WHERE id = ? AND status IN ('queued', 'running')"""


def fresh_database():
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(PATH + suffix):
            os.remove(PATH + suffix)
    db = sqlite3.connect(PATH, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(SCHEMA)
    return db


def placeholders(rows, columns):
    return ", ".join(["(" + ", ".join(["?"] * columns) + ")"] * rows)


def in_transactions(db, items, write):
    """Calls write(db, part) for each part of PER_TRANSACTION items inside its own transaction; seconds taken."""
    started = time.perf_counter()
    for first in range(0, len(items), PER_TRANSACTION):
        db.execute("BEGIN")
        write(db, items[first:first + PER_TRANSACTION])
        db.execute("COMMIT")
    return time.perf_counter() - started


def main():
    rows = [(i + 1, f"t{i:06d}", "noop", "schedule", 1000, None, None, "queued", 1, None, None, None, 5)
            for i in range(ROWS)]
    outcomes = [("succeeded", 7, 8, None, None, i + 1) for i in range(ROWS)]
    for per_statement in (1, 50, 200):
        db = fresh_database()
        if per_statement == 1:
            inserted = in_transactions(db, rows, lambda db, part: db.executemany(INSERT + placeholders(1, 13), part))
            updated = in_transactions(db, outcomes, lambda db, part: db.executemany(UPDATE_ONE, part))
        else:
            def insert(db, part):
                for first in range(0, len(part), per_statement):
                    chunk = part[first:first + per_statement]
                    db.execute(INSERT + placeholders(len(chunk), 13), [value for row in chunk for value in row])

            def update(db, part):
                for first in range(0, len(part), per_statement):
                    chunk = part[first:first + per_statement]
                    db.execute(UPDATE.format(values=placeholders(len(chunk), 6)),
                               [value for row in chunk for value in row])
            inserted = in_transactions(db, rows, insert)
            updated = in_transactions(db, outcomes, update)
        count, succeeded = db.execute("SELECT COUNT(*), SUM(status = 'succeeded') FROM run").fetchone()
        assert count == ROWS and succeeded == ROWS, (count, succeeded)
        print(f"{per_statement:3d} rows a statement: insert {inserted / ROWS * 1e6:.2f} us a row, "
              f"update {updated / ROWS * 1e6:.2f} us a row")


main()
