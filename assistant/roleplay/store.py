"""Session persistence: a LangGraph checkpointer (one thread per session) plus a small
index of sessions (owner, scenario, last activity) used for access checks and expiry.

SQLite under ``COACH_DATA_DIR/sessions.sqlite`` by default; Postgres when
``COACH_SESSIONS_URL`` is a ``postgresql://`` URL (needs the ``postgres`` extra). Both the
checkpoint and the index are committed before a turn returns, so a kill -9 right after a
turn loses nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..config import Settings


class SessionStoreError(RuntimeError):
    """The session store cannot be opened (missing extra, bad URL)."""


@dataclass(frozen=True)
class SessionMeta:
    """A session's index row."""

    session_id: str
    owner: str
    scenario: str
    language: str
    created_at: float
    last_active: float
    turns: int


class SessionStore(Protocol):
    """What the service needs from persistence."""

    checkpointer: Any
    """A LangGraph checkpointer shared by every session (thread id = session id)."""

    def add(self, meta: SessionMeta) -> None: ...
    def get(self, session_id: str) -> SessionMeta | None: ...
    def touch(self, session_id: str, *, at: float, turns: int) -> None: ...
    def delete(self, session_id: str) -> None: ...
    def idle_since(self, before: float) -> list[str]: ...
    def close(self) -> None: ...


_COLUMNS = "session_id, owner, scenario, language, created_at, last_active, turns"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS roleplay_sessions (
    session_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    scenario TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    last_active DOUBLE PRECISION NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0
)
"""


class _SqlIndex:
    """The session index over a DB-API connection (``?`` or ``%s`` parameters)."""

    def __init__(self, conn: Any, *, param: str) -> None:
        self._conn = conn
        self._p = param
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute(_SCHEMA)
            self._commit()

    def _commit(self) -> None:
        commit = getattr(self._conn, "commit", None)
        if callable(commit):
            commit()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._p)

    def add(self, meta: SessionMeta) -> None:
        with self._lock:
            self._conn.execute(
                self._sql(f"INSERT INTO roleplay_sessions ({_COLUMNS}) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (meta.session_id, meta.owner, meta.scenario, meta.language, meta.created_at,
                 meta.last_active, meta.turns),
            )
            self._commit()

    def get(self, session_id: str) -> SessionMeta | None:
        with self._lock:
            row = self._conn.execute(
                self._sql(f"SELECT {_COLUMNS} FROM roleplay_sessions WHERE session_id = ?"),
                (session_id,),
            ).fetchone()
        if row is None:
            return None
        values = list(row.values()) if isinstance(row, dict) else list(row)
        return SessionMeta(str(values[0]), str(values[1]), str(values[2]), str(values[3]),
                           float(values[4]), float(values[5]), int(values[6]))

    def touch(self, session_id: str, *, at: float, turns: int) -> None:
        with self._lock:
            self._conn.execute(
                self._sql("UPDATE roleplay_sessions SET last_active = ?, turns = ? "
                          "WHERE session_id = ?"),
                (at, turns, session_id),
            )
            self._commit()

    def remove(self, session_id: str) -> None:
        with self._lock:
            self._conn.execute(
                self._sql("DELETE FROM roleplay_sessions WHERE session_id = ?"), (session_id,)
            )
            self._commit()

    def idle_since(self, before: float) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                self._sql("SELECT session_id FROM roleplay_sessions WHERE last_active < ?"),
                (before,),
            ).fetchall()
        return [str(r["session_id"] if isinstance(r, dict) else r[0]) for r in rows]


class _CheckpointedStore:
    """A LangGraph checkpointer plus the session index, on two connections; subclasses
    open them."""

    checkpointer: Any
    _index: _SqlIndex
    _saver_conn: Any
    _index_conn: Any

    def add(self, meta: SessionMeta) -> None:
        self._index.add(meta)

    def get(self, session_id: str) -> SessionMeta | None:
        return self._index.get(session_id)

    def touch(self, session_id: str, *, at: float, turns: int) -> None:
        self._index.touch(session_id, at=at, turns=turns)

    def delete(self, session_id: str) -> None:
        """Remove the session's index row and every checkpoint of its thread."""
        self.checkpointer.delete_thread(session_id)
        self._index.remove(session_id)

    def idle_since(self, before: float) -> list[str]:
        return self._index.idle_since(before)

    def close(self) -> None:
        self._saver_conn.close()
        self._index_conn.close()


class SqliteSessionStore(_CheckpointedStore):
    """Sessions in one SQLite file: LangGraph's ``SqliteSaver`` tables plus the index."""

    def __init__(self, path: Path) -> None:
        from langgraph.checkpoint.sqlite import SqliteSaver

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Two connections to the same file: the saver serialises its own with a lock.
        # WAL lets readers and the writer proceed together; every write is committed
        # before the call returns, which is what makes a turn survive kill -9.
        self._saver_conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._saver_conn.execute("PRAGMA journal_mode=WAL")
        self.checkpointer: Any = SqliteSaver(self._saver_conn)
        self.checkpointer.setup()
        self._index_conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._index = _SqlIndex(self._index_conn, param="?")



class PostgresSessionStore(_CheckpointedStore):
    """Sessions in Postgres (``langgraph-checkpoint-postgres``), for several API instances."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.rows import dict_row
        except ImportError as exc:
            raise SessionStoreError(
                "COACH_SESSIONS_URL points to Postgres but langgraph-checkpoint-postgres is "
                "not installed: pip install 'feedback-coach[postgres]'"
            ) from exc
        try:
            self._saver_conn = psycopg.connect(url, autocommit=True, prepare_threshold=0,
                                               row_factory=dict_row)
            self._index_conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise SessionStoreError(f"cannot connect to the sessions database: {exc}") from exc
        self.checkpointer: Any = PostgresSaver(self._saver_conn)
        self.checkpointer.setup()
        self._index = _SqlIndex(self._index_conn, param="%s")


def open_store(settings: Settings) -> SessionStore:
    """The store the settings ask for: ``sessions_url`` (Postgres or ``sqlite:///path``)
    or ``data_dir/sessions.sqlite``.

    Raises:
        SessionStoreError: unsupported URL or missing Postgres extra.
    """
    url = settings.sessions_url
    if not url:
        return SqliteSessionStore(settings.data_dir / "sessions.sqlite")
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresSessionStore(url)
    if url.startswith("sqlite:///"):
        return SqliteSessionStore(Path(url.removeprefix("sqlite:///")))
    raise SessionStoreError(
        f"unsupported COACH_SESSIONS_URL {url.split(':', 1)[0]}://...; "
        "use postgresql://... or sqlite:///path"
    )
