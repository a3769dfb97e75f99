"""TrytonClient against a tiny fake JSON-RPC server: login, session header, context, re-login on 401, typed
values and the mapping of every kind of failure onto Suture's errors. (The real server: test_tryton_erp.py.)"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from suture.canonical.ownership import DEFAULT_MATRIX
from suture.connectors.erp import ErpPort
from suture.connectors.tryton.client import TrytonClient, TrytonError, decode_object, dumps, loads
from suture.connectors.tryton.config import TrytonErpConfig
from suture.errors import PermanentError, RetryableError

Handler = Callable[[str, list[Any]], Awaitable[web.Response | Any]]


class FakeTryton:
    """Answers ``common.db.login`` with session ``s<n>``; other methods go to ``handler`` (default: echo the
    params). Requests whose session is not the latest issued get HTTP 401, as an expired one would."""

    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.calls: list[tuple[str, list[Any], str | None]] = []
        self.logins = 0
        self.password = "secret"
        self.login_delay_s = 0.0
        self.url = ""
        self._runner: web.AppRunner | None = None

    def session_header(self) -> str:
        return "Session " + base64.b64encode(f"admin:1:s{self.logins}".encode()).decode()

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.Response(status=500)
        body = json.loads(await request.read())
        method, params = body["method"], body["params"]
        auth = request.headers.get("Authorization")
        self.calls.append((method, params, auth))
        if method == "common.db.login":
            if params[1].get("password") != self.password:
                return web.Response(status=401)
            await asyncio.sleep(self.login_delay_s)
            self.logins += 1
            return web.json_response({"id": body["id"], "result": [1, f"s{self.logins}"]})
        if auth != self.session_header():
            return web.Response(status=401)
        if method == "model.res.user.get_preferences":
            return web.json_response({"id": body["id"], "result": {"company": 1, "language": "en"}})
        result = await self.handler(method, params) if self.handler else params
        if isinstance(result, web.Response):
            return result
        return web.Response(body=dumps({"id": body["id"], "result": result}), content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/erp/", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTryton]:
    server = FakeTryton()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(fake: FakeTryton) -> AsyncIterator[TrytonClient]:
    async with TrytonClient(fake.url, "erp", "admin", "secret", timeout_s=2) as c:
        yield c


def error_reply(error: Any) -> Handler:
    async def handler(method: str, params: list[Any]) -> web.Response:
        return web.json_response({"id": 1, "error": error})
    return handler


def status_reply(status: int) -> Handler:
    async def handler(method: str, params: list[Any]) -> web.Response:
        return web.Response(status=status)
    return handler


async def test_login_then_calls_carry_the_session_and_model_calls_the_context(
        fake: FakeTryton, client: TrytonClient) -> None:
    result = await client.call("model.product.product.search", [("code", "=", "A")], 0, None, None)
    assert result == [[["code", "=", "A"]], 0, None, None, {"company": 1, "language": "en"}]
    login, preferences, search = fake.calls
    assert login[:2] == ("common.db.login", ["admin", {"password": "secret"}, "en"])
    assert preferences[:2] == ("model.res.user.get_preferences", [True, {}])
    assert search[2] == fake.session_header()
    assert client.context == {"company": 1, "language": "en"}


async def test_extra_context_is_merged_and_non_model_calls_get_none(client: TrytonClient) -> None:
    assert await client.call("common.server.version") == []
    [_, ctx] = await client.call("model.x.y", 1, context={"active_test": False})
    assert ctx == {"company": 1, "language": "en", "active_test": False}


async def test_expired_session_is_renewed_once_and_the_call_repeated(fake: FakeTryton, client: TrytonClient) -> None:
    await client.login()
    fake.logins += 1  # the server forgets the client's session (expiry): its next call gets 401
    assert await client.search("stock.location", []) == [[], 0, None, None, {"company": 1, "language": "en"}]
    assert [c[0] for c in fake.calls] == [
        "common.db.login", "model.res.user.get_preferences", "model.stock.location.search",
        "common.db.login", "model.res.user.get_preferences", "model.stock.location.search"]
    assert client.logins == 2


async def test_concurrent_calls_on_an_expired_session_log_in_again_only_once(
        fake: FakeTryton, client: TrytonClient) -> None:
    await client.login()
    fake.logins += 1
    fake.login_delay_s = 0.05
    results = await asyncio.gather(*(client.call("model.x.read", i) for i in range(5)))
    assert [r[0] for r in results] == [0, 1, 2, 3, 4]
    assert client.logins == 2


async def test_401_again_after_a_fresh_login_is_permanent(fake: FakeTryton, client: TrytonClient) -> None:
    fake.handler = status_reply(401)
    with pytest.raises(TrytonError, match="401 after a fresh login"):
        await client.call("model.x.y")


async def test_wrong_password_is_permanent(fake: FakeTryton) -> None:
    async with TrytonClient(fake.url, "erp", "admin", "wrong") as c:
        with pytest.raises(TrytonError, match="bad login or password"):
            await c.call("model.x.y")


async def test_user_error_is_permanent_and_keeps_its_message_out_of_the_text(
        fake: FakeTryton, client: TrytonClient) -> None:
    fake.handler = error_reply(["UserError", ["The code of Jane Doe is not valid", "check it", None]])
    with pytest.raises(TrytonError) as caught:
        await client.call("model.party.party.create", [{}])
    assert str(caught.value) == "tryton model.party.party.create: UserError"
    assert caught.value.error_type == "UserError"
    assert caught.value.detail == "The code of Jane Doe is not valid - check it"
    assert isinstance(caught.value, PermanentError)


@pytest.mark.parametrize("error", [
    ["ConcurrencyException", "Records were modified in the meanwhile"],
    ["RateLimitException", []],
    ["OperationalError('database is locked')", "Traceback ..."],
])
async def test_transient_tryton_errors_are_retryable(fake: FakeTryton, client: TrytonClient, error: Any) -> None:
    fake.handler = error_reply(error)
    with pytest.raises(RetryableError):
        await client.call("model.x.write", [1], {})


async def test_other_server_faults_are_permanent(fake: FakeTryton, client: TrytonClient) -> None:
    fake.handler = error_reply(["'nofield'", "Traceback (most recent call last): ..."])
    with pytest.raises(TrytonError, match="server fault") as caught:
        await client.call("model.x.search", [])
    assert caught.value.detail == "'nofield'"


@pytest.mark.parametrize(("status", "error"), [
    (500, RetryableError), (503, RetryableError), (429, RetryableError), (408, RetryableError),
    (403, TrytonError), (404, TrytonError), (400, TrytonError),
])
async def test_http_statuses(fake: FakeTryton, client: TrytonClient, status: int, error: type[Exception]) -> None:
    fake.handler = status_reply(status)
    with pytest.raises(error, match=f"HTTP {status}"):
        await client.call("model.x.y")


async def test_reply_that_is_not_json_is_retryable(fake: FakeTryton, client: TrytonClient) -> None:
    async def garbage(method: str, params: list[Any]) -> web.Response:
        return web.Response(body=b"<html>proxy error</html>", content_type="text/html")
    fake.handler = garbage
    with pytest.raises(RetryableError, match="not JSON"):
        await client.call("model.x.y")


async def test_timeout_is_retryable(fake: FakeTryton) -> None:
    async def slow(method: str, params: list[Any]) -> Any:
        await asyncio.sleep(1)
        return None
    fake.handler = slow
    async with TrytonClient(fake.url, "erp", "admin", "secret", timeout_s=0.3) as c:
        await c.login()
        with pytest.raises(RetryableError, match="timeout"):
            await c.call("model.x.y")


async def test_connection_refused_is_retryable(fake: FakeTryton) -> None:
    url = fake.url
    await fake.stop()
    async with TrytonClient(url, "erp", "admin", "secret", timeout_s=2) as c:
        with pytest.raises(RetryableError, match=r"common\.db\.login"):
            await c.call("model.x.y")


async def test_typed_values_travel_in_trytons_encoding(client: TrytonClient) -> None:
    aware = datetime(2026, 3, 1, 14, 30, 5, 7, tzinfo=timezone(timedelta(hours=2)))
    [echoed, _ctx] = await client.call("model.x.echo", {
        "price": Decimal("9.50"), "day": date(2026, 3, 1), "at": aware, "wait": timedelta(minutes=2),
        "blob": b"\x00\x01", "codes": ("a", "b")})
    assert echoed == {"price": Decimal("9.50"), "day": date(2026, 3, 1),
                      "at": datetime(2026, 3, 1, 12, 30, 5, 7, tzinfo=UTC), "wait": timedelta(minutes=2),
                      "blob": b"\x00\x01", "codes": ["a", "b"]}


def test_wire_encoding_matches_tryton() -> None:
    wire = json.loads(dumps([Decimal("1.10"), datetime(2026, 1, 2, 3, 4, 5, 6), date(2026, 1, 2)]))
    assert wire == [
        {"__class__": "Decimal", "decimal": "1.10"},
        {"__class__": "datetime", "year": 2026, "month": 1, "day": 2, "hour": 3, "minute": 4, "second": 5,
         "microsecond": 6},
        {"__class__": "date", "year": 2026, "month": 1, "day": 2},
    ]
    assert loads(dumps(wire)) == [Decimal("1.10"), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), date(2026, 1, 2)]
    assert decode_object({"__class__": "unknown", "x": 1}) == {"__class__": "unknown", "x": 1}


async def test_config_builds_the_connector_and_keeps_the_password_out_of_repr() -> None:
    config = TrytonErpConfig(url="http://127.0.0.1:8000", database="erp", password="s3cret", system="tryton")
    assert "s3cret" not in repr(config)
    erp = config.build(DEFAULT_MATRIX)
    assert isinstance(erp, ErpPort)
    assert (erp.system, erp.matrix, erp.client.url) == ("tryton", DEFAULT_MATRIX, "http://127.0.0.1:8000/erp/")
    await erp.close()
