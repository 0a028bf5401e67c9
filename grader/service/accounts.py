"""Accounts: a name, a role and a random token that is stored only as its hash.

Students and instructors authenticate with their token (``Authorization:
Bearer TOKEN`` on the API); a browser exchanges it once for a session cookie.
"""

import csv
import hashlib
import io
import re
import secrets
import sqlite3
from dataclasses import dataclass

from .pipeline import JudgeError
from .store import now

ROLES = ("student", "instructor")
NAME = re.compile(r"^[\w][\w.@+-]{0,63}$")
ROSTER_COLUMNS = ("name", "student", "student_id", "id")   # the first one present names the account
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def instructor(self):
        return self.role == "instructor"


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def new_token():
    return secrets.token_urlsafe(24)


def check_name(name, where="NAME"):
    if not isinstance(name, str) or not NAME.match(name):
        raise JudgeError(f"{where}: {name!r} is not a valid account name; use 1-64 letters, digits "
                         f"or . _ @ + - (starting with a letter or digit)")
    return name


def add(store, name, role="student"):
    """Create an account; return its token (shown once, never stored)."""
    check_name(name)
    token = new_token()
    try:
        with store.transaction() as conn:
            conn.execute("INSERT INTO users (name, role, token_hash, created) VALUES (?, ?, ?, ?)",
                         (name, role, hash_token(token), now()))
    except sqlite3.IntegrityError:
        raise JudgeError(f"{name}: an account with this name already exists; choose another name "
                         f"or revoke it with `judge users revoke {name}`") from None
    return token


def read_roster(path):
    """Account names from a roster CSV with a header row: the column ``name``
    (else ``student``, ``student_id`` or ``id``) names each student."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
    except OSError as err:
        raise JudgeError(f"{path}: cannot read the roster ({err.strerror}); give a CSV file") from None
    except UnicodeDecodeError:
        raise JudgeError(f"{path}: the roster is not UTF-8 text; save it as CSV (UTF-8)") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise JudgeError(f"{path}: the roster is empty; give a CSV file whose header row has a "
                         f"'name' column")
    lowered = [cell.strip().lower() for cell in header]
    column = next((lowered.index(c) for c in ROSTER_COLUMNS if c in lowered), None)
    if column is None:
        raise JudgeError(f"{path}: line 1: no 'name' column (nor student, student_id or id); "
                         f"add a header row naming the column of account names")
    names, seen = [], {}
    for number, row in enumerate(reader, 2):
        if not any(cell.strip() for cell in row):
            continue
        name = row[column].strip() if column < len(row) else ""
        check_name(name, f"{path}: line {number}")
        if name in seen:
            raise JudgeError(f"{path}: line {number}: {name!r} is also on line {seen[name]}; "
                             f"every name must be unique")
        seen[name] = number
        names.append(name)
    if not names:
        raise JudgeError(f"{path}: the roster has no names under its header; add one row per student")
    return names


def add_many(store, names, role="student"):
    """Create every account or none; return [(name, token)]."""
    made = []
    with store.transaction() as conn:
        for name in names:
            token = new_token()
            try:
                conn.execute("INSERT INTO users (name, role, token_hash, created) VALUES (?, ?, ?, ?)",
                             (name, role, hash_token(token), now()))
            except sqlite3.IntegrityError:
                raise JudgeError(f"{name}: an account with this name already exists; remove it "
                                 f"from the roster (no account was created)") from None
            made.append((name, token))
    return made


def revoke(store, name):
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise JudgeError(f"{name}: no such account; see `judge users list`")
        conn.execute("UPDATE users SET revoked = 1 WHERE id = ?", (row[0],))
        conn.execute("DELETE FROM sessions WHERE user_id = ?", (row[0],))


def listing(store):
    return store.all("SELECT name, role, revoked, created FROM users ORDER BY role DESC, name")


def by_token(store, token):
    """The account of a valid, unrevoked token, or None."""
    if not token or len(token) > 256:
        return None
    row = store.one("SELECT id, name, role FROM users WHERE token_hash = ? AND revoked = 0",
                    (hash_token(token),))
    return User(row["id"], row["name"], row["role"]) if row else None


def students(store):
    return [User(r["id"], r["name"], r["role"])
            for r in store.all("SELECT id, name, role FROM users WHERE role = 'student' "
                               "AND revoked = 0 ORDER BY name")]


# ---------------------------------------------------------------- sessions

def open_session(store, user):
    """A new session for ``user``: (cookie value, CSRF token)."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with store.transaction() as conn:
        conn.execute("DELETE FROM sessions WHERE expires < ?", (now(),))
        conn.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                     (hash_token(cookie), user.id, csrf, now(), now() + SESSION_SECONDS))
    return cookie, csrf


def by_session(store, cookie):
    """(User, CSRF token) of a live session, or (None, None)."""
    if not cookie or len(cookie) > 256:
        return None, None
    row = store.one("SELECT users.id, users.name, users.role, sessions.csrf FROM sessions "
                    "JOIN users ON users.id = sessions.user_id WHERE sessions.id_hash = ? AND "
                    "sessions.expires > ? AND users.revoked = 0", (hash_token(cookie), now()))
    if row is None:
        return None, None
    return User(row["id"], row["name"], row["role"]), row["csrf"]


def close_session(store, cookie):
    if cookie:
        with store.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (hash_token(cookie),))
