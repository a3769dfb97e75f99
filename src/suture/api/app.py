"""The JSON API (``/api/v1``) and the operator dashboard (``/``).

Every ``/api`` route needs the bearer token; ``/health`` and ``/metrics`` (no PHI in labels) do not.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from importlib import resources
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from suture import __version__
from suture.api.auth import bearer_guard
from suture.api.masterdata import master_data_router
from suture.api.timeparse import parse_time
from suture.pipeline.replay import Selection
from suture.store.records import Delivery, DeliveryQuery, MessageQuery, MessageRecord

if TYPE_CHECKING:
    from suture.engine import Engine


class ReplayRequest(BaseModel):
    channel: str | None = None
    sink: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None
    ids: list[str] = Field(default_factory=list)
    dry_run: bool = True
    limit: int = Field(default=1000, ge=1, le=100_000)


class RequeueRequest(BaseModel):
    delivery_ids: list[int] = Field(default_factory=list)
    message_ids: list[str] = Field(default_factory=list, description="rejected messages to submit again")


def message_json(m: MessageRecord) -> dict[str, Any]:
    out = asdict(m)
    raw = out.pop("raw")
    if raw is not None:
        out["raw_base64"] = base64.b64encode(raw).decode()
        out["raw_text"] = raw.decode("utf-8", errors="replace")
    return out


def delivery_json(d: Delivery, *, payload: bool = False) -> dict[str, Any]:
    out = asdict(d)
    body = out.pop("payload")
    out["size"] = len(body)
    if payload:
        out["payload_text"] = body.decode("utf-8", errors="replace")
    return out


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="Suture", version=__version__,
                  docs_url="/api/docs", openapi_url="/api/openapi.json")
    api = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_guard(engine.admin_token))])
    journal = engine.journal

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "channels": len(engine.runtimes)}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def dashboard() -> str:
        return (resources.files("suture.web") / "static" / "index.html").read_text(encoding="utf-8")

    @api.get("/channels")
    async def channels() -> list[dict[str, Any]]:
        counts = await journal.channel_counts()
        out = []
        for name, rt in engine.runtimes.items():
            source = engine.sources.get(name)
            out.append({
                "name": name, "description": rt.config.description, "source": rt.config.source.type,
                "port": getattr(source, "port", None), "format": rt.config.format,
                "routes": [{"name": r.name, "sink": r.sink.type, "queued": rt.workers[r.name].size}
                           for r in rt.config.routes],
                "counts": counts.get(name, {}),
            })
        return out

    @api.get("/messages")
    async def messages(channel: str | None = None, status: str | None = None, since: str | None = None,
                       until: str | None = None, control_id: str | None = None, before: str | None = None,
                       limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        rows = await journal.messages(MessageQuery(channel, status, parse_time(since), parse_time(until),
                                                   control_id, None, before, limit))
        items = [message_json(m) for m in rows]
        return {"items": items, "next_before": items[-1]["id"] if len(items) == limit else None}

    @api.get("/messages/{message_id}")
    async def message(message_id: str) -> dict[str, Any]:
        detail = await journal.message(message_id)
        if detail is None:
            raise HTTPException(404, "no such message")
        return {"message": message_json(detail.message),
                "deliveries": [delivery_json(d, payload=True) for d in detail.deliveries],
                "attempts": [asdict(a) for a in detail.attempts]}

    @api.post("/replay")
    async def replay(req: ReplayRequest) -> dict[str, Any]:
        sel = Selection(req.channel, req.sink, req.status, parse_time(req.since), parse_time(req.until),
                        tuple(req.ids), req.limit)
        items = await engine.replay(sel, dry_run=req.dry_run)
        return {"dry_run": req.dry_run, "count": len(items), "items": [asdict(i) for i in items]}

    @api.get("/dead-letters")
    async def dead_letters(channel: str | None = None, sink: str | None = None,
                           limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        dead = await journal.deliveries(DeliveryQuery(channel=channel, sink=sink, state="dead", limit=limit))
        rejected = [] if sink else await journal.messages(MessageQuery(channel=channel, status="rejected",
                                                                        limit=limit))
        return {"deliveries": [delivery_json(d) for d in dead], "rejected": [message_json(m) for m in rejected]}

    @api.post("/dead-letters/requeue")
    async def requeue(req: RequeueRequest) -> dict[str, Any]:
        count = await engine.requeue(req.delivery_ids) if req.delivery_ids else 0
        resubmitted = await engine.resubmit(req.message_ids) if req.message_ids else []
        return {"requeued": count, "resubmitted": resubmitted}

    api.include_router(master_data_router(engine))
    app.include_router(api)
    return app
