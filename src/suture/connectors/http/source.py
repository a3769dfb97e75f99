"""HTTP source: accept raw payloads by POST and answer with the runtime's reply.

The answer is sent only after ``submit`` returns, i.e. after the journal commit. If ``submit`` raises, the
payload is not durable and the client gets ``503`` so it retries. Wrong paths get 404, other methods 405,
bodies over ``max_body_bytes`` 413 (all answered by aiohttp itself, with PHI-free bodies).
"""

from __future__ import annotations

import logging

from aiohttp import web

from suture.connectors.base import Inbound, Submit
from suture.connectors.http.config import HttpSourceConfig

log = logging.getLogger("suture.source.http")

# Request headers passed on to the runtime: correlation and idempotency ids only, never auth or cookies.
FORWARDED_HEADERS = ("Idempotency-Key", "X-Correlation-Id", "X-Request-Id", "traceparent", "tracestate")
UNAVAILABLE_BODY = b"message not accepted: the engine could not store it; retry later\n"


class HttpSource:
    """Serve ``POST config.path`` on ``config.host:config.port`` (port 0 picks a free port)."""

    def __init__(self, name: str, config: HttpSourceConfig) -> None:
        self.name = name
        self.config = config
        self._submit: Submit | None = None
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with ``port: 0``)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError(f"http source {self.name} is not started")
        return int(self._runner.addresses[0][1])

    async def start(self, submit: Submit) -> None:
        """Bind and start serving."""
        self._submit = submit
        app = web.Application(client_max_size=self.config.max_body_bytes)
        app.router.add_post(self.config.path, self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.config.host, self.config.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def close(self) -> None:
        """Stop listening and let in-flight requests finish; idempotent."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        assert self._submit is not None  # routes exist only after start()
        body = await request.read()  # raises HTTPRequestEntityTooLarge (413) past client_max_size
        inbound = Inbound(
            raw=body,
            content_type=content_type(request),
            peer=request.remote or "",
            headers=forwarded_headers(request),
        )
        try:
            reply = await self._submit(inbound)
        except Exception as exc:
            # Type only: exception text from deeper layers is not guaranteed PHI-free.
            log.error(
                "http source %s: submit failed (%s), peer %s answered 503",
                self.name,
                type(exc).__name__,
                inbound.peer,
            )
            return web.Response(status=503, body=UNAVAILABLE_BODY, content_type="text/plain")
        return web.Response(
            status=reply.status, body=reply.body, headers={"Content-Type": reply.content_type}
        )


def content_type(request: web.Request) -> str:
    """The request's media type, ``application/octet-stream`` when absent, keeping an explicit charset."""
    media_type = request.content_type
    return f"{media_type}; charset={request.charset}" if request.charset else media_type


def forwarded_headers(request: web.Request) -> dict[str, str]:
    """The allow-listed headers present on ``request``, under their canonical names."""
    return {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
