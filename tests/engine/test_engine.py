"""The engine as a whole: MLLP in, journal, ACK, filters, transforms, routes, retries, replay, API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from suture.codecs import hl7v2

from .conftest import Receiver, channel, hl7, until


def http_route(rec: Receiver, name: str = "erp", **extra: Any) -> dict[str, Any]:
    retry = {"initial_backoff_s": 0.02, "max_backoff_s": 0.1, "max_attempts": 3}
    return {"name": name, "sink": {"type": "http", "url": rec.url}, "retry": retry, **extra}


async def test_message_is_acked_journaled_and_delivered(make_engine: Callable[..., Any], receiver: Receiver) -> None:
    run = await make_engine(channel(routes=[http_route(receiver)]))
    client = run.mllp()
    ack = await client.send(hl7("C1"))
    await client.close()
    assert hl7v2.ack_code(ack) == "AA"
    assert hl7v2.parse(ack).get("MSA-2") == "C1"
    await until(lambda: len(receiver.requests) == 1)
    key, body = receiver.requests[0]
    assert b"C1" in body and key.endswith(":erp")
    page = await run.get("/api/v1/messages", channel="adt")
    assert [m["control_id"] for m in page["items"]] == ["C1"]
    mid = page["items"][0]["id"]
    detail = await run.get(f"/api/v1/messages/{mid}")
    assert detail["message"]["raw_text"].startswith("MSH|")

    async def attempted() -> bool:
        return bool((await run.get(f"/api/v1/messages/{mid}"))["attempts"])

    await until(attempted)
    detail = await run.get(f"/api/v1/messages/{mid}")
    assert [(a["sink"], a["outcome"], a["response"]) for a in detail["attempts"]] == [("erp", "ok", "HTTP 201")]


async def test_filters_and_transforms_shape_each_route(make_engine: Callable[..., Any], receiver: Receiver) -> None:
    erp = http_route(receiver, filters=[{"path": "MSH-9.1", "in": ["DFT", "RDS"]}],
                     transforms=[{"type": "set", "path": "MSH-5", "value": "ERP"}, {"type": "clear", "path": "PID-5"}])
    run = await make_engine(channel(routes=[erp, {"name": "log", "sink": {"type": "log"}}]))
    client = run.mllp()
    assert hl7v2.ack_code(await client.send(hl7("A1", "ADT^A01"))) == "AA"
    assert hl7v2.ack_code(await client.send(hl7("D1"))) == "AA"
    await client.close()
    await until(lambda: len(receiver.requests) == 1)
    sent = hl7v2.parse(receiver.requests[0][1])
    assert (sent.control_id, sent.get("MSH-5"), sent.get("PID-5"), sent.get("PID-3.1")) == ("D1", "ERP", "", "12345")
    rows = {m["control_id"]: m for m in (await run.get("/api/v1/messages"))["items"]}
    assert rows["A1"]["status"] == "accepted"  # the log route took it


async def test_channel_filter_excludes_message_but_still_acks(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel(filters=[{"path": "MSH-9.1", "equals": "DFT"}]))
    client = run.mllp()
    assert hl7v2.ack_code(await client.send(hl7("A1", "ADT^A01"))) == "AA"
    await client.close()
    assert (await run.get("/api/v1/messages"))["items"][0]["status"] == "filtered"


async def test_duplicate_is_acked_again_but_processed_once(make_engine: Callable[..., Any], receiver: Receiver) -> None:
    run = await make_engine(channel(routes=[http_route(receiver)]))
    client = run.mllp()
    first, second = await client.send(hl7("C7")), await client.send(hl7("C7"))
    await client.close()
    assert hl7v2.ack_code(first) == hl7v2.ack_code(second) == "AA"
    await until(lambda: len(receiver.requests) == 1)
    items = (await run.get("/api/v1/messages"))["items"]
    assert len(items) == 1 and items[0]["duplicates"] == 1
    counts = (await run.get("/api/v1/channels"))[0]["counts"]
    assert counts["duplicates"] == 1


async def test_malformed_message_is_nakked_kept_and_listener_goes_on(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel())
    client = run.mllp()
    nak = await client.send(b"MSH|^~\\&|EHR|HOSP|||20260101||||P|2.5\rPID|1\r")
    assert hl7v2.ack_code(nak) == "AR"
    assert b"MSH-9" in nak
    assert hl7v2.ack_code(await client.send(hl7("OK1"))) == "AA"
    await client.close()
    dead = await run.get("/api/v1/dead-letters")
    assert len(dead["rejected"]) == 1 and "MSH-9" in dead["rejected"][0]["error"]
    raw = (await run.get(f"/api/v1/messages/{dead['rejected'][0]['id']}"))["message"]["raw_text"]
    assert raw.startswith("MSH|^~\\&|EHR")


async def test_enhanced_mode_message_gets_commit_ack(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel())
    client = run.mllp()
    msg = hl7("E1").replace(b"|P|2.5.1\r", b"|P|2.5.1|||AL|NE\r")
    ack = await client.send(msg)
    await client.close()
    assert hl7v2.ack_code(ack) == "CA"


async def test_permanent_failure_dead_letters_then_requeue_delivers(make_engine: Callable[..., Any],
                                                                   receiver: Receiver) -> None:
    receiver.statuses = [400]
    run = await make_engine(channel(routes=[http_route(receiver)]))
    client = run.mllp()
    await client.send(hl7("P1"))
    await client.close()
    dead: dict[str, Any] = {}

    async def is_dead() -> bool:
        dead.update(await run.get("/api/v1/dead-letters"))
        return len(dead["deliveries"]) == 1

    await until(is_dead)
    assert "400" in dead["deliveries"][0]["last_error"]
    r = await run.api.post("/api/v1/dead-letters/requeue", json={"delivery_ids": [dead["deliveries"][0]["id"]]})
    assert r.json()["requeued"] == 1
    await until(lambda: len(receiver.requests) == 2)
    assert receiver.requests[0][0] == receiver.requests[1][0]  # same delivery, same idempotency key


async def test_retryable_failures_are_retried_until_delivered(make_engine: Callable[..., Any],
                                                             receiver: Receiver) -> None:
    receiver.statuses = [503, 503]
    run = await make_engine(channel(routes=[http_route(receiver)]))
    client = run.mllp()
    await client.send(hl7("R1"))
    await client.close()
    await until(lambda: len(receiver.requests) == 3)
    assert len({k for k, _ in receiver.requests}) == 1
    mid = (await run.get("/api/v1/messages"))["items"][0]["id"]

    async def three_attempts() -> bool:
        return len((await run.get(f"/api/v1/messages/{mid}"))["attempts"]) == 3

    await until(three_attempts)
    detail = await run.get(f"/api/v1/messages/{mid}")
    assert [a["outcome"] for a in detail["attempts"]] == ["retry", "retry", "ok"]


async def test_replay_dry_run_lists_and_replay_sends_with_new_attempts(make_engine: Callable[..., Any],
                                                                      receiver: Receiver) -> None:
    run = await make_engine(channel(routes=[http_route(receiver), {"name": "log", "sink": {"type": "log"}}]))
    client = run.mllp()
    for cid in ("X1", "X2"):
        await client.send(hl7(cid))
    await client.close()
    await until(lambda: len(receiver.requests) == 2)
    dry = (await run.api.post("/api/v1/replay", json={"channel": "adt", "sink": "erp", "dry_run": True})).json()
    assert dry["count"] == 2 and all(i["sinks"] == ["erp"] for i in dry["items"])
    assert len(receiver.requests) == 2  # a dry run sends nothing
    done = (await run.api.post("/api/v1/replay", json={"channel": "adt", "sink": "erp", "dry_run": False})).json()
    assert all(i["new_delivery_ids"] for i in done["items"])
    await until(lambda: len(receiver.requests) == 4)
    detail = await run.get(f"/api/v1/messages/{done['items'][0]['message_id']}")
    replayed = [d for d in detail["deliveries"] if d["replay_of"]]
    assert len(replayed) == 1 and replayed[0]["sink"] == "erp"
    assert "replay" in replayed[0]["idempotency_key"]


async def test_api_requires_the_admin_token(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel())
    async with httpx.AsyncClient(base_url=str(run.api.base_url)) as anon:
        assert (await anon.get("/api/v1/channels")).status_code == 401
        bad = await anon.get("/api/v1/channels", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert (await anon.get("/health")).status_code == 200
        assert (await anon.get("/api/openapi.json")).status_code == 200
    token_file = run.engine.config.path(run.engine.settings.admin_token_file)
    assert token_file.stat().st_mode & 0o777 == 0o600


async def test_channels_endpoint_reports_counters_and_queues(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel())
    client = run.mllp()
    await client.send(hl7("C1"))
    await client.send(b"garbage")
    await client.close()
    (ch,) = await run.get("/api/v1/channels")
    assert ch["name"] == "adt" and ch["counts"]["accepted"] == 1 and ch["counts"]["rejected"] == 1
    assert ch["routes"] == [{"name": "log", "sink": "log", "queued": ch["routes"][0]["queued"]}]


async def test_metrics_have_no_payload_values(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel())
    client = run.mllp()
    await client.send(hl7("C1", mrn="MRN-SECRET-99"))
    await client.close()
    text = (await run.api.get("/metrics")).text
    assert "suture_messages_received_total" in text and "MRN-SECRET-99" not in text and "DOE" not in text


async def test_postgres_journal_runs_the_same_flow(make_engine: Callable[..., Any], receiver: Receiver,
                                                   pg_schema_url: str) -> None:
    run = await make_engine(channel(routes=[http_route(receiver)]), database_url=pg_schema_url)
    client = run.mllp()
    assert hl7v2.ack_code(await client.send(hl7("PG1"))) == "AA"
    assert hl7v2.ack_code(await client.send(hl7("PG1"))) == "AA"
    await client.close()
    await until(lambda: len(receiver.requests) == 1)
    assert (await run.get("/api/v1/messages"))["items"][0]["duplicates"] == 1
