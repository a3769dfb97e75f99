"""A small async JSON-RPC client for a Tryton server (tested against Tryton 7.0 LTS).

Tryton is GPL software that Suture only talks to over HTTP: ``POST /<database>/`` with
``{"id", "method", "params"}``. The client logs in with ``common.db.login`` and sends
``Authorization: Session base64(login:user_id:session)``. Tryton 7.0 refuses a session with HTTP 401 once
it is older than ``[session] max_age`` (or idle past ``timeout`` for a few sensitive calls) or was deleted
(logout, password change); the client then logs in again once and repeats the call. Tryton checks the
session before running anything, so repeating a ``create`` after a 401 cannot create twice.

Outcomes map onto :mod:`suture.errors`:

* connection problems, timeouts, HTTP 5xx/408/429, Tryton's ``ConcurrencyException`` and
  ``RateLimitException``, and a locked database -> :class:`RetryableError`
* ``UserError``/``UserWarning`` (validation, access rights), bad credentials, other HTTP 4xx and any other
  server fault -> :class:`TrytonError`, a :class:`PermanentError`

Error text names the method and Tryton's error type only; Tryton's own message (which can quote record
values) is kept on :attr:`TrytonError.detail` for whoever knows it is safe to show.

Typed values travel as ``{"__class__": "Decimal", "decimal": "9.50"}`` and likewise for date, datetime,
time, timedelta and bytes. Tryton's datetimes are naive UTC; this client hands out aware UTC datetimes and
converts aware datetimes to naive UTC on the way in.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from suture.errors import PermanentError, RetryableError

RETRYABLE_STATUSES = frozenset({408, 425, 429})
RETRYABLE_TRYTON_ERRORS = frozenset({"ConcurrencyException", "RateLimitException"})
# Server faults that come back as a plain exception text but go away on a later try.
RETRYABLE_FAULT_MARKERS = ("database is locked", "OperationalError", "could not serialize")

Domain = Sequence[Any]
Record = dict[str, Any]


class TrytonError(PermanentError):
    """Tryton refused a call (``UserError``, ``UserWarning``, access rights, bad credentials, a server fault).

    ``error_type`` is Tryton's error class name; ``detail`` is Tryton's message, which may quote record
    values and so is kept out of ``str()``.
    """

    def __init__(self, method: str, error_type: str, detail: str = "") -> None:
        self.method, self.error_type, self.detail = method, error_type, detail
        super().__init__(f"tryton {method}: {error_type}")


class _Unauthorized(Exception):
    """HTTP 401: the session is unknown or expired."""


def encode_value(value: Any) -> Any:
    """``json.dumps`` hook for the types Tryton marshals as ``{"__class__": ...}``.

    >>> encode_value(Decimal("9.50"))
    {'__class__': 'Decimal', 'decimal': '9.50'}
    """
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
                "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}
    if isinstance(value, date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, time):
        return {"__class__": "time", "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}
    if isinstance(value, timedelta):
        return {"__class__": "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, bytes | bytearray):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


def decode_object(obj: dict[str, Any]) -> Any:
    """``json.loads`` hook: Tryton's typed values back to Python (datetimes aware, in UTC).

    >>> decode_object({"__class__": "date", "year": 2026, "month": 1, "day": 2})
    datetime.date(2026, 1, 2)
    """
    cls = obj.get("__class__")
    if cls == "Decimal":
        return Decimal(obj["decimal"])
    if cls == "datetime":
        return datetime(obj["year"], obj["month"], obj["day"], obj["hour"], obj["minute"], obj["second"],
                        obj["microsecond"], tzinfo=UTC)
    if cls == "date":
        return date(obj["year"], obj["month"], obj["day"])
    if cls == "time":
        return time(obj["hour"], obj["minute"], obj["second"], obj["microsecond"])
    if cls == "timedelta":
        return timedelta(seconds=obj["seconds"])
    if cls == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=encode_value, separators=(",", ":")).encode("utf-8")


def loads(body: bytes) -> Any:
    return json.loads(body, object_hook=decode_object)


class TrytonClient:
    """One user's session with one Tryton database.

    >>> client = TrytonClient("http://127.0.0.1:8000", "erp", "admin", "secret")
    >>> client.url
    'http://127.0.0.1:8000/erp/'

    Use as ``async with TrytonClient(...) as client:`` or call :meth:`close`. The first call logs in;
    ``context`` then holds the user's preferences (company, language), sent as the last parameter of every
    ``model.*`` and ``wizard.*`` call.
    """

    def __init__(self, base_url: str, database: str, login: str, password: str, *, timeout_s: float = 30.0,
                 language: str = "en") -> None:
        self.url = f"{base_url.rstrip('/')}/{database}/"
        self.database, self.login_name, self.timeout_s, self.language = database, login, timeout_s, language
        self._password = password
        self._session: aiohttp.ClientSession | None = None
        self._auth: str | None = None
        self._generation = 0  # bumped on every login, so concurrent 401s log in only once
        self._login_lock = asyncio.Lock()
        self._next_id = 0
        self.user_id: int | None = None
        self.context: dict[str, Any] = {}
        self.logins = 0  # successful logins so far: more than one means sessions expired and were renewed

    async def __aenter__(self) -> TrytonClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Log out (best effort) and close the connection pool; idempotent."""
        if self._session is None:
            return
        if self._auth is not None:
            # Best effort: an unreachable server's session dies on its own after the idle timeout.
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, _Unauthorized, RetryableError, PermanentError):
                await self._post("common.db.logout", [], self._auth)
        session, self._session, self._auth = self._session, None, None
        await session.close()

    async def login(self) -> None:
        """Open a session and load the user's context (``res.user.get_preferences``)."""
        async with self._login_lock:
            await self._login()

    async def call(self, method: str, *params: Any, context: Mapping[str, Any] | None = None) -> Any:
        """Call ``method`` with ``params``; ``model.*``/``wizard.*`` calls get the user's context (updated
        with ``context``) appended as their last parameter.

        >>> # await client.call("model.product.product.search_count", [])
        """
        if self._auth is None:
            await self.login()
        if method.startswith(("model.", "wizard.")):
            params = (*params, {**self.context, **(context or {})})
        generation = self._generation
        try:
            return await self._call(method, list(params))
        except _Unauthorized:
            async with self._login_lock:
                if generation == self._generation:  # nobody else has logged in again since we tried
                    await self._login()
            try:
                return await self._call(method, list(params))
            except _Unauthorized as exc:
                raise TrytonError(method, "HTTP 401 after a fresh login") from exc

    async def search_read(self, model: str, domain: Domain, fields: Sequence[str], *, offset: int = 0,
                          limit: int | None = None, order: Sequence[tuple[str, str]] | None = None,
                          context: Mapping[str, Any] | None = None) -> list[Record]:
        """Search and read in one call; dotted fields (``template.name``) come back as ``"template.": {...}``.

        >>> # await client.search_read("stock.location", [("type", "=", "storage")], ["name", "code"])
        """
        order_param = [list(o) for o in order] if order is not None else None
        result: list[Record] = await self.call(f"model.{model}.search_read", list(domain), offset, limit,
                                               order_param, list(fields), context=context)
        return result

    async def search(self, model: str, domain: Domain, *, offset: int = 0, limit: int | None = None,
                     order: Sequence[tuple[str, str]] | None = None,
                     context: Mapping[str, Any] | None = None) -> list[int]:
        order_param = [list(o) for o in order] if order is not None else None
        result: list[int] = await self.call(f"model.{model}.search", list(domain), offset, limit, order_param,
                                            context=context)
        return result

    async def read(self, model: str, ids: Sequence[int], fields: Sequence[str], *,
                   context: Mapping[str, Any] | None = None) -> list[Record]:
        result: list[Record] = await self.call(f"model.{model}.read", list(ids), list(fields), context=context)
        return result

    async def create(self, model: str, values: Sequence[Mapping[str, Any]], *,
                     context: Mapping[str, Any] | None = None) -> list[int]:
        """Create records; returns their ids in order."""
        result: list[int] = await self.call(f"model.{model}.create", [dict(v) for v in values], context=context)
        return result

    async def write(self, model: str, ids: Sequence[int], values: Mapping[str, Any], *,
                    context: Mapping[str, Any] | None = None) -> None:
        await self.call(f"model.{model}.write", list(ids), dict(values), context=context)

    async def _login(self) -> None:
        """Log in; the caller holds ``_login_lock``."""
        try:
            result = await self._post("common.db.login",
                                      [self.login_name, {"password": self._password}, self.language], None)
        except _Unauthorized as exc:
            raise TrytonError("common.db.login", "bad login or password") from exc
        user_id, session_key = result
        token = base64.b64encode(f"{self.login_name}:{user_id}:{session_key}".encode()).decode("ascii")
        self._auth, self.user_id = f"Session {token}", int(user_id)
        self._generation += 1
        self.logins += 1
        self.context = await self._call("model.res.user.get_preferences", [True, {}])

    async def _call(self, method: str, params: list[Any]) -> Any:
        return await self._post(method, params, self._auth)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session

    async def _post(self, method: str, params: list[Any], auth: str | None) -> Any:
        """One JSON-RPC round trip; raises ``_Unauthorized`` on 401 and Suture errors otherwise."""
        self._next_id += 1
        request_id = self._next_id
        headers = {"Content-Type": "application/json"}
        if auth is not None:
            headers["Authorization"] = auth
        body = dumps({"id": request_id, "method": method, "params": params})
        try:
            async with self._http().post(self.url, data=body, headers=headers, allow_redirects=False) as response:
                status = response.status
                payload = await response.read()
        except TimeoutError as exc:
            raise RetryableError(f"tryton {method}: timeout after {self.timeout_s}s") from exc
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            raise PermanentError(f"tryton {method}: invalid URL") from exc
        except aiohttp.ClientError as exc:
            raise RetryableError(f"tryton {method}: {type(exc).__name__}") from exc
        return _reply(method, status, payload)


def _reply(method: str, status: int, payload: bytes) -> Any:
    """The result of a reply, or the Suture error it stands for."""
    if status == 401:
        raise _Unauthorized(method)
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise RetryableError(f"tryton {method}: HTTP {status}")
    if status != 200:
        raise TrytonError(method, f"HTTP {status}")
    try:
        reply = loads(payload)
    except ValueError as exc:
        raise RetryableError(f"tryton {method}: reply is not JSON") from exc
    if not isinstance(reply, dict) or ("result" not in reply and "error" not in reply):
        raise TrytonError(method, "reply is not a JSON-RPC response")
    if reply.get("error") is not None:
        raise _error(method, reply["error"])
    return reply["result"]


def _error(method: str, error: Any) -> RetryableError | TrytonError:
    """Map Tryton's ``error`` member: ``[type, args]`` for its own exceptions, ``[text, traceback]`` else."""
    if isinstance(error, list | tuple) and error and isinstance(error[0], str):
        error_type, args = error[0], (error[1] if len(error) > 1 else None)
    else:
        error_type, args = "error", error
    if error_type in RETRYABLE_TRYTON_ERRORS:
        return RetryableError(f"tryton {method}: {error_type}")
    if error_type in {"UserError", "UserWarning", "LoginException"}:
        return TrytonError(method, error_type, _detail(args))
    # Anything else is a plain server fault: its first member is the exception text.
    if any(marker in error_type for marker in RETRYABLE_FAULT_MARKERS):
        return RetryableError(f"tryton {method}: server fault (database busy)")
    return TrytonError(method, "server fault", error_type)


def _detail(args: Any) -> str:
    if isinstance(args, list | tuple):
        return " - ".join(str(a) for a in args if isinstance(a, str) and a)
    return str(args) if args is not None else ""
