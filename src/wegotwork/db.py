"""Database engine per dialect, the request-scoped session, ids and UTC time."""

from __future__ import annotations

import asyncio
import secrets
import string
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVarTuple

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import DateTime, Select, event
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_only

ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 32
DIRECT_POOL_SIZE = 8
Columns = TypeVarTuple("Columns")


# Random bytes below this map evenly onto the alphabet (4 x 62); the rest are drawn again.
_ID_BYTE_LIMIT = 256 - 256 % len(ID_ALPHABET)


def new_id(length: int = ID_LENGTH) -> str:
    """An opaque, URL-safe random id: 32 characters of [A-Za-z0-9], as Better Auth makes them.

    One read of the system's random source per id (not one per character: an application
    makes several ids, and the reads showed in its profile); unbiased, as bytes at or above
    ``_ID_BYTE_LIMIT`` are dropped."""
    chosen: list[str] = []
    while len(chosen) < length:
        chosen += [
            ID_ALPHABET[byte % len(ID_ALPHABET)]
            for byte in secrets.token_bytes(length + length // 8)
            if byte < _ID_BYTE_LIMIT
        ]
    return "".join(chosen[:length])


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Tests move it through ``wegotwork.clock``."""
    from wegotwork import clock

    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database returns.

    SQLite keeps no zone, so values are normalised to UTC on the way in and marked UTC on the
    way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SQLITE_BUSY_TIMEOUT_MS = 5000
# An execution option: this connection only reads (``Database.reader``), so on SQLite it begins
# a deferred transaction and does not take a turn to write.
READ_ONLY = "wegotwork_read_only"
WRITER_WAIT_SECONDS = 30.0


class _Writer:
    """One transaction at a time per process and SQLite file (the single-writer discipline).

    SQLite lets one connection write at a time; the others wait in its busy handler, which
    polls with growing sleeps and serves no one in order. Under many concurrent requests a
    transaction could wait there past the busy timeout and fail with "database is locked".
    Here the transactions of one process queue in arrival order on an asyncio lock before
    they ask SQLite, so SQLite's own waiting is left to one transaction per process.

    The lock belongs to the running event loop (a command may run several loops in turn).
    The turn is given back when the transaction ends, and also when its connection goes back
    to the pool, is closed or is invalidated without ending it (a cancelled request).
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._holder: tuple[object, asyncio.Lock] | None = None

    async def take(self, dbapi_connection: object) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._lock = loop, asyncio.Lock()
        lock = self._lock
        try:
            await asyncio.wait_for(lock.acquire(), WRITER_WAIT_SECONDS)
        except TimeoutError:
            raise TimeoutError("the database is busy: no turn to write in time") from None
        self._holder = (dbapi_connection, lock)

    def give_back(self, dbapi_connection: object) -> None:
        holder = self._holder
        if holder is not None and holder[0] is dbapi_connection:
            self._holder = None
            holder[1].release()


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Make SQLite behave: foreign keys on, WAL, a busy timeout, real SAVEPOINTs, and one
    transaction at a time per process.

    The driver's own implicit BEGIN is switched off and SQLAlchemy emits BEGIN itself, which is
    the documented way to get working SAVEPOINTs (and so nested transactions) on SQLite. It
    begins IMMEDIATE: a transaction that reads and then writes would otherwise fail at once with
    "database is locked" when another connection writes, instead of waiting its turn. Before
    BEGIN a transaction takes this process's turn (``_Writer``) and gives it back as it ends;
    it commits inside the turn, so the next one never finds the file still locked by it.
    """
    writer = _Writer()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection = conn.connection.dbapi_connection
        await_only(writer.take(dbapi_connection))
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.give_back(dbapi_connection)
            raise

    @event.listens_for(engine.sync_engine, "commit")
    def _on_commit(conn: Any) -> None:
        # COMMIT here, before the turn passes on; the driver's own commit that follows finds no
        # open transaction and does nothing.
        try:
            conn.exec_driver_sql("COMMIT")
        finally:
            writer.give_back(conn.connection.dbapi_connection)

    @event.listens_for(engine.sync_engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        writer.give_back(conn.connection.dbapi_connection)

    def _on_pool_event(dbapi_connection: Any, *_args: Any) -> None:
        writer.give_back(dbapi_connection)

    for name in ("checkin", "reset", "close", "invalidate", "soft_invalidate"):
        event.listen(engine.sync_engine.pool, name, _on_pool_event)


# SQLSTATEs that mean "the server cannot serve this connection now", not "this query is wrong":
# connection exceptions (08xxx), operator intervention (57P01 admin shutdown, 57P02 crash
# shutdown, 57P03 cannot connect now: starting up or shutting down), too many connections.
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "57P05", "53300")


def _lost_connection(error: BaseException | None) -> bool:
    """A driver error that leaves the connection unusable or was raised because the server is
    shutting down, starting up or unreachable."""
    while error is not None:
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES):
            return True
        module = type(error).__module__
        if module.startswith("asyncpg") and type(error).__name__ in {
            "ConnectionDoesNotExistError",
            "InternalClientError",  # the connection was left mid-operation by a failure
            "CannotConnectNowError",
        }:
            return True
        if isinstance(error, ConnectionError | TimeoutError):
            return True
        error = error.__cause__
    return False


def first_line(exc: BaseException) -> str:
    """An error's first line, for a log message without a trace."""
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def is_unavailable(exc: BaseException) -> bool:
    """The database is down, restarting or overloaded: worth a 503 and a retry, not a 500."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | ConnectionError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or _lost_connection(exc.orig)
    return _lost_connection(exc)  # a driver error from the direct read path


def _invalidate_lost_connections(engine: AsyncEngine) -> None:
    """Treat every "connection lost" error as a disconnect, so SQLAlchemy discards the
    connection instead of returning it to the pool (asyncpg reports a server shutdown, a
    connection closed mid-query or one left mid-operation in ways the dialect does not
    recognise; such a connection would fail the next request too)."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if not context.is_disconnect and _lost_connection(context.original_exception):
            context.is_disconnect = True


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo)
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic
        # plan that ignores the actual values, which is a poor bet on skewed data (one job
        # with 100 000 applicants, another with ten). Planning these queries costs far less.
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )
    _invalidate_lost_connections(engine)
    return engine


class Database:
    """The engine and the session factory the app works with.

    Tests build one bound to a single connection inside an outer transaction, so each test's
    writes (including the routes' commits, which become savepoints) roll back at the end.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker or async_sessionmaker(engine, expire_on_commit=False)
        # Hot read paths skip BEGIN/ROLLBACK round trips on PostgreSQL. Not when bound to a
        # test's connection (sessionmaker given), and not on SQLite, whose connections begin
        # their own transactions.
        self._autocommit: AsyncEngine | None = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if sessionmaker is None and engine.dialect.name == "postgresql"
            else None
        )
        # The hottest reads (a content version, the careers snapshot) skip SQLAlchemy and the
        # pool's pre-ping: prepared statements on a small asyncpg pool of their own, in
        # autocommit, one round trip each. Only on PostgreSQL through asyncpg, engine-bound.
        self.direct = self._autocommit is not None and engine.dialect.driver == "asyncpg"
        # On SQLite they begin a plain (deferred) read transaction instead of BEGIN IMMEDIATE:
        # no turn to wait for, no lock on the file, a snapshot of the last commit.
        self._read_only: AsyncEngine | None = (
            engine.execution_options(**{READ_ONLY: True})
            if sessionmaker is None and engine.dialect.name == "sqlite"
            else None
        )
        # The SQLite file this engine opens (not when bound to a test's connection, nor in
        # memory): other connections may watch it for changes (``careers/versions.py``).
        database_file = engine.url.database
        self.sqlite_file: str | None = (
            database_file
            if sessionmaker is None
            and engine.dialect.name == "sqlite"
            and database_file
            and database_file != ":memory:"
            and not database_file.startswith("file:")
            else None
        )
        self._direct_pool: Any = None
        self._compiled: dict[object, tuple[str, tuple[str, ...]]] = {}
        self._direct_lock = asyncio.Lock()

    @classmethod
    def bound_to(cls, connection: AsyncConnection) -> Database:
        maker = async_sessionmaker(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )
        return cls(connection.engine, maker)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one or two read-only statements on a hot path: autocommit on
        PostgreSQL, a read transaction on SQLite, an ordinary session's connection when bound to
        a test's connection."""
        hot = self._autocommit or self._read_only
        if hot is not None:
            async with hot.connect() as connection:
                yield connection
        else:
            async with self.sessionmaker() as session:
                yield await session.connection()

    async def read(self, statement: Select[*Columns], **params: Any) -> Sequence[Any]:
        """The rows of one read-only statement on a hot path, indexed by position
        (``row[0]``): on the direct pool when ``direct``, else on ``reader()``.

        Every bound value of ``statement`` must come from ``params`` (write constants as
        literals), since the direct path sends them to PostgreSQL as they are.
        """
        if not self.direct:
            async with self.reader() as connection:
                result = await connection.execute(statement, params)
                return result.all()
        compiled = self._compiled.get(statement)
        if compiled is None:
            done = statement.compile(dialect=self.engine.dialect)
            compiled = self._compiled[statement] = (str(done), tuple(done.positiontup or ()))
        sql, names = compiled
        args = [params[name] for name in names]
        pool = self._direct_pool or await self._open_direct_pool()
        try:
            rows: list[Any] = await pool.fetch(sql, *args)
        except _CONNECTION_ERRORS:
            # A restarted server leaves every pooled connection stale: replace them all at
            # once, and run this read-only statement once more on a fresh connection.
            await pool.expire_connections()
            try:
                rows = await pool.fetch(sql, *args)
            except _CONNECTION_ERRORS as exc:
                raise ConnectionError("the database is unavailable") from exc
        return rows

    async def _open_direct_pool(self) -> Any:
        async with self._direct_lock:
            if self._direct_pool is None:
                _args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
                self._direct_pool = await asyncpg.create_pool(
                    min_size=1,
                    max_size=DIRECT_POOL_SIZE,
                    max_inactive_connection_lifetime=300,
                    reset=_nothing_to_reset,
                    **kwargs,
                )
        return self._direct_pool

    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        if self._direct_pool is not None:
            pool, self._direct_pool = self._direct_pool, None
            await pool.close()
        await self.engine.dispose()


# What a lost or refused connection raises on the direct path (a restart, a shutdown, a
# server still starting up), as opposed to an error in the statement itself.
_CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    # A pooled connection left mid-operation when the server went away.
    asyncpg.exceptions.InternalClientError,
)


async def _nothing_to_reset(_connection: Any) -> None:
    """Direct connections only run read-only statements in autocommit: no session state, no
    locks, no listeners to clear, so the round trip asyncpg spends on resetting is skipped."""
