"""The service's store: one SQLite database (WAL) in the data folder.

Users, sessions, submissions, the queue of submissions to grade and the
verdicts of their cases as they come all live here, so that the HTTP process
and the judge processes share nothing but this file, and a restart loses
nothing. Every write is one transaction; ``transaction()`` opens it with
BEGIN IMMEDIATE, so two writers never interleave.
"""

import contextlib
import sqlite3
import time
from pathlib import Path

from grader import settings
from grader.service.pipeline import JudgeError

SCHEMA_VERSION = 1
DATABASE = "judge.sqlite3"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('student', 'instructor')),
    token_hash TEXT NOT NULL UNIQUE,           -- sha256 of the token; the token is never stored
    revoked INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,                  -- sha256 of the session cookie
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    exercise TEXT NOT NULL,
    filename TEXT NOT NULL,
    source BLOB NOT NULL,
    created REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires REAL,
    idempotency_key TEXT,
    case_set TEXT,                             -- the case-set version it was graded with
    superseded INTEGER NOT NULL DEFAULT 0,     -- a rejudge replaced this result
    rejudge_of INTEGER REFERENCES submissions (id),
    verdict TEXT,
    score INTEGER,
    max_score INTEGER,
    report_student TEXT,                       -- JSON, as a student may see it
    report_instructor TEXT,                    -- JSON, every detail
    error TEXT,                                -- why the judge failed (status failed)
    finished REAL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX submissions_queue ON submissions (status, id);
CREATE INDEX submissions_user ON submissions (user_id, exercise);
CREATE TABLE case_results (
    submission INTEGER NOT NULL REFERENCES submissions (id),
    attempt INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    student TEXT NOT NULL,                     -- the provisional line, JSON, student view
    instructor TEXT NOT NULL,                  -- JSON, instructor view
    PRIMARY KEY (submission, idx)
);
CREATE TABLE attempts (
    submission INTEGER NOT NULL REFERENCES submissions (id),
    attempt INTEGER NOT NULL,
    owner TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    outcome TEXT,                              -- recorded | judge fault | lost | released
    PRIMARY KEY (submission, attempt)
);
"""


def default_data_dir():
    return settings.current().data_root


def data_dir(path=None):
    """The data folder (created private to its user), or JudgeError saying how to fix it."""
    folder = Path(path) if path else default_data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise JudgeError(f"{folder}: cannot use it as the data folder ({err.strerror}); "
                         f"give a writable folder with --data DIR or JUDGE_DATA") from None
    return folder


def connect(folder):
    """A connection to the store in ``folder``, its schema created or checked."""
    path = Path(folder) / DATABASE
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        _migrate(conn)
    except sqlite3.DatabaseError as err:
        raise JudgeError(f"{path}: cannot open the judge's database ({err}); "
                         f"give another folder with --data DIR, or move this file away") from None
    return conn


def _migrate(conn):
    with transaction(conn):
        known = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if not known:
            for statement in SCHEMA.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            return
        version = int(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(f"schema version {version} is newer than this judge's "
                                    f"({SCHEMA_VERSION}); upgrade the judge")


@contextlib.contextmanager
def transaction(conn):
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now():
    return time.time()


class Store:
    """The data folder's database, one connection per thread."""

    def __init__(self, folder):
        import threading
        self.folder = Path(folder)
        self._local = threading.local()
        self.conn()                                  # create or check the schema now

    def conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.folder)
        return conn

    def transaction(self):
        return transaction(self.conn())

    def one(self, sql, args=()):
        return self.conn().execute(sql, args).fetchone()

    def all(self, sql, args=()):
        return self.conn().execute(sql, args).fetchall()
