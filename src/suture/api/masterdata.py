"""Master data endpoints under ``/api/v1``: records, crosswalk, change requests, divergence, worklist,
governed substitution and UDI lookup."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from suture.errors import PermanentError, RejectedInput
from suture.store.masterdata import NotFound
from suture.workflows.master_data.service import SubstituteDecision, SubstitutionRefused, UdiMatch

if TYPE_CHECKING:
    from suture.engine import Engine

KINDS = {"items": "item", "vendors": "vendor", "locations": "location", "cost-centers": "cost_center",
         "contracts": "contract", "workers": "worker"}


class Decision(BaseModel):
    by: str
    reason: str = ""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not a silent default


class SubstituteProposal(Body):
    substitute: str = Field(min_length=1, description="canonical id of the substitute item")
    by: str = Field(min_length=1)
    reason: str = ""


class SubstituteVerdict(Body):
    by: str = Field(min_length=1)
    reason: str = ""


class SubstitutionCheck(Body):
    item: str = Field(min_length=1)
    substitute: str = Field(min_length=1)
    context: str = Field("", description="case, order or procedure the substitution is for (kept on the worklist)")
    system: str | None = Field(None, description="item and substitute are this system's ids, not canonical ones")
    namespace: str = ""


class UdiLookup(Body):
    text: str | list[str] = Field(description="one UDI, or the primary and secondary barcodes of one label")


def _refused(exc: RejectedInput) -> HTTPException:
    return HTTPException(404 if isinstance(exc, NotFound) else 409, exc.reason)


def _raw_query_values(request: Request, name: str) -> list[str]:
    """``name``'s values with a literal ``+`` kept: HIBCC data starts with one, and form decoding turns it
    into a space when a scan is pasted into a URL unencoded."""
    pairs = (part.partition("=") for part in request.url.query.split("&"))
    return [unquote(value) for key, _, value in pairs if unquote(key) == name]


def _match_json(match: UdiMatch) -> dict[str, Any]:
    return {"udi": match.udi.to_dict(), "item": match.item, "key": match.key.model_dump(exclude_none=True)}


def _version(v: Any) -> dict[str, Any]:
    out = asdict(v)
    out["valid_from"] = str(v.valid_from)
    out["valid_to"] = str(v.valid_to) if v.valid_to else None
    return out


def _kind(plural: str) -> str:
    if plural not in KINDS:
        raise HTTPException(404, f"unknown object kind {plural}; one of {', '.join(KINDS)}")
    return KINDS[plural]


def master_data_router(engine: Engine) -> APIRouter:
    api = APIRouter()

    def svc() -> Any:
        return engine.master_data

    @api.get("/ownership")
    async def ownership() -> dict[str, Any]:
        """The system-of-record matrix in force."""
        return engine.settings.master_data.ownership.model_dump()

    @api.get("/crosswalk/resolve")
    async def resolve(kind: str, system: str, value: str, namespace: str = "") -> dict[str, Any]:
        """External id -> canonical id."""
        cid = svc().cache.resolve(kind, system, namespace, value)
        if cid is None:
            raise HTTPException(404, "no canonical record holds this external id")
        return {"kind": kind, "canonical_id": cid}

    @api.get("/crosswalk/{kind}/{canonical_id}")
    async def external_ids(kind: str, canonical_id: str) -> dict[str, Any]:
        """Canonical id -> every external id (the reverse direction)."""
        rows = await svc().store.xrefs(kind, canonical_id, include_retired=True)
        return {"kind": kind, "canonical_id": canonical_id, "external_ids": [
            {"system": x.system, "namespace": x.namespace, "value": x.value, "active": x.active,
             "valid_from": str(x.valid_from) if x.valid_from else None,
             "valid_to": str(x.valid_to) if x.valid_to else None} for x in rows]}

    def lookup(*texts: str) -> dict[str, Any]:
        try:
            return _match_json(svc().lookup_udi(*texts))
        except RejectedInput as exc:
            raise HTTPException(422, exc.reason) from exc

    @api.get("/udi/lookup")
    async def udi_lookup(request: Request, text: list[str] = Query(
            description="repeat for a label's separate primary and secondary barcodes")) -> dict[str, Any]:
        """Parse a UDI in any form (GS1, HIBCC, ICCBBA) and find its item through the crosswalk."""
        try:
            return lookup(*text)
        except HTTPException:
            raw = _raw_query_values(request, "text")
            if raw == text or len(raw) != len(text):
                raise
            return lookup(*raw)  # a '+' sent unencoded (HIBCC), read back as the '+' it was

    @api.post("/udi/lookup")
    async def udi_lookup_post(body: UdiLookup) -> dict[str, Any]:
        """The same look-up with the UDI in a JSON body: no URL encoding to get wrong."""
        return lookup(*([body.text] if isinstance(body.text, str) else body.text))

    @api.post("/substitutions/check", responses={409: {"description": "refused; raised on the worklist"}})
    async def check_substitution(body: SubstitutionCheck) -> Any:
        """May ``substitute`` be used in place of ``item``? Refusals go on the exceptions worklist."""
        try:
            item = await svc().resolve_item(body.item, system=body.system, namespace=body.namespace)
            substitute = await svc().resolve_item(body.substitute, system=body.system, namespace=body.namespace)
            approved = await svc().check_substitution(item, substitute, context=body.context)
        except SubstitutionRefused as exc:
            return JSONResponse({"allowed": False, "item": exc.item, "substitute": exc.substitute,
                                 "state": exc.state, "reason": exc.reason, "exception_id": exc.exception_id},
                                status_code=409)
        except RejectedInput as exc:
            raise _refused(exc) from exc
        return {"allowed": True, "item": item, "substitute": substitute, "approved": approved}

    @api.get("/change-requests")
    async def change_requests(state: str | None = "open", kind: str | None = None) -> list[dict[str, Any]]:
        return [asdict(r) for r in (await svc().store.change_requests(state=state, kind=kind)).items]

    @api.post("/change-requests/{request_id}/approve")
    async def approve(request_id: int, body: Decision) -> dict[str, Any]:
        try:
            return dict(await svc().approve(request_id, body.by, body.reason))
        except (RejectedInput, PermanentError) as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.post("/change-requests/{request_id}/reject")
    async def reject(request_id: int, body: Decision) -> dict[str, Any]:
        try:
            return asdict(await svc().store.decide_change_request(request_id, False, body.by, body.reason))
        except RejectedInput as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.get("/divergence")
    async def divergence(kind: str = "item", left: str = "erp", right: str = "procurement",
                         format: str = Query("json", pattern="^(json|csv)$")) -> Any:
        """Fields of the same record that two systems report differently, with counts."""
        report = await svc().divergence(kind, left, right)
        if format == "csv":
            return Response(report.to_csv(), media_type="text/csv",
                            headers={"Content-Disposition": f"attachment; filename=divergence-{kind}.csv"})
        return report.to_json()

    @api.get("/exceptions")
    async def exceptions(state: str | None = "open", type: str | None = None) -> list[dict[str, Any]]:
        return [asdict(e) for e in (await svc().store.exceptions(state=state, type=type)).items]

    @api.post("/erp/sync")
    async def erp_sync() -> dict[str, Any]:
        """Pull everything the ERP has changed (full pull) and apply it now."""
        try:
            return dict(await svc().sync_erp(None))
        except PermanentError as exc:
            raise HTTPException(409, str(exc)) from exc

    @api.get("/items/{item_id}/substitutes")
    async def substitutes(item_id: str) -> dict[str, Any]:
        """The item's substitutes with their state, and each state change with its version's provenance."""
        try:
            return dict(await svc().substitutes(item_id))
        except RejectedInput as exc:
            raise _refused(exc) from exc

    @api.post("/items/{item_id}/substitutes", status_code=201)
    async def propose_substitute(item_id: str, body: SubstituteProposal) -> dict[str, Any]:
        """Propose a substitute; it may be used only once approved."""
        try:
            return dict(await svc().propose_substitute(item_id, body.substitute, by=body.by, reason=body.reason))
        except RejectedInput as exc:
            raise _refused(exc) from exc

    @api.post("/items/{item_id}/substitutes/{substitute_id}/{decision}")
    async def decide_substitute(item_id: str, substitute_id: str, decision: SubstituteDecision,
                                body: SubstituteVerdict) -> dict[str, Any]:
        """``approve`` or ``reject`` a proposed substitute, ``retire`` an approved one."""
        try:
            return dict(await svc().decide_substitute(item_id, substitute_id, decision,
                                                      by=body.by, reason=body.reason))
        except RejectedInput as exc:
            raise _refused(exc) from exc

    @api.get("/{plural}")
    async def records(plural: str, status: str | None = None, text: str | None = None, after: str | None = None,
                      limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        """Current versions, by id; pass ``next`` back as ``after`` for the next page."""
        page = await svc().store.list(_kind(plural), status=status, text=text, after=after, limit=limit)
        return {"items": [_version(v) for v in page.items], "next": page.next}

    @api.get("/{plural}/{record_id}")
    async def record(plural: str, record_id: str) -> dict[str, Any]:
        """Current version, full history with provenance, and external ids."""
        kind = _kind(plural)
        current = await svc().store.get(kind, record_id)
        if current is None:
            raise HTTPException(404, f"no {kind} {record_id}")
        history = await svc().store.history(kind, record_id)
        xrefs = await external_ids(kind, record_id)
        return {"current": _version(current), "history": [_version(v) for v in history],
                "external_ids": xrefs["external_ids"]}

    return api
