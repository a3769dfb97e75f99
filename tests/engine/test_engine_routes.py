"""Transforms by callable and mapping, other sources and sinks in a running engine, and the CLI against it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from suture.cli.main import app
from suture.codecs import hl7v2
from suture.connectors.mllp.server import MllpServer

from .conftest import Receiver, channel, hl7, until

ROUTE = {"initial_backoff_s": 0.02, "max_backoff_s": 0.1, "max_attempts": 3}


async def test_python_and_mapping_transforms(make_engine: Callable[..., Any], receiver: Receiver) -> None:
    route = {"name": "erp", "sink": {"type": "http", "url": receiver.url}, "retry": ROUTE, "transforms": [
        {"type": "python", "callable": "tests.engine.sample_transforms:tag_charge"},
        {"type": "map", "path": "MSH-3", "values": {"EHR": "EPIC"}},
        {"type": "copy", "from": "PID-3.1", "to": "PID-2"},
    ]}
    run = await make_engine(channel(routes=[route]))
    client = run.mllp()
    await client.send(hl7("T1").replace(b"IMPLANT-42", b"implant-42"))
    await client.close()
    await until(lambda: len(receiver.requests) == 1)
    sent = hl7v2.parse(receiver.requests[0][1])
    assert [sent.get(p) for p in ("MSH-3", "MSH-6", "FT1-7.1", "PID-2")] == ["EPIC", "ERP-FAC", "IMPLANT-42", "12345"]


async def test_transform_bug_is_journaled_as_error_and_answered_ae(make_engine: Callable[..., Any]) -> None:
    run = await make_engine(channel(transforms=[{"type": "python", "callable": "tests.engine.sample_transforms.boom"}]))
    client = run.mllp()
    ack = await client.send(hl7("B1"))
    await client.close()
    assert hl7v2.ack_code(ack) == "AE"
    (msg,) = (await run.get("/api/v1/messages"))["items"]
    assert msg["status"] == "error" and msg["error"] == "transform failed: RuntimeError"


async def test_http_source_channel_accepts_raw_payloads(make_engine: Callable[..., Any], tmp_path: Path) -> None:
    ch = {"name": "inbox", "format": "raw", "source": {"type": "http", "port": 0, "path": "/in"},
          "routes": [{"name": "files", "sink": {"type": "file", "directory": str(tmp_path / "out"), "ext": "json"}}]}
    run = await make_engine(ch)
    port = run.engine.sources["inbox"].port
    async with httpx.AsyncClient() as http:
        r = await http.post(f"http://127.0.0.1:{port}/in", content=b'{"po": 1}',
                            headers={"Content-Type": "application/json", "Idempotency-Key": "po-1"})
        again = await http.post(f"http://127.0.0.1:{port}/in", content=b'{"po": 1}',
                                headers={"Content-Type": "application/json", "Idempotency-Key": "po-1"})
    assert r.status_code == 202 and json.loads(r.content)["duplicate"] is False
    assert json.loads(again.content)["duplicate"] is True
    await until(lambda: len(list((tmp_path / "out").glob("*.json"))) == 1)
    assert next((tmp_path / "out").glob("*.json")).read_bytes() == b'{"po": 1}'


async def test_directory_channel_moves_files_after_the_journal(make_engine: Callable[..., Any],
                                                              tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.hl7").write_bytes(hl7("F1"))
    (inbox / "bad.hl7").write_bytes(b"this is not hl7")
    ch = {"name": "folder", "source": {"type": "directory", "path": str(inbox), "interval_s": 0.05, "min_age_s": 0},
          "routes": [{"name": "log", "sink": {"type": "log"}}]}
    run = await make_engine(ch)
    await until(lambda: (inbox / "processed" / "good.hl7").exists() and (inbox / "error" / "bad.hl7").exists())
    statuses = sorted(m["status"] for m in (await run.get("/api/v1/messages"))["items"])
    assert statuses == ["accepted", "rejected"]


async def test_mllp_sink_route_classifies_the_peer_ack(make_engine: Callable[..., Any]) -> None:
    received: list[bytes] = []

    async def peer(inbound: Any) -> bytes:
        received.append(inbound.raw)
        code = "AE" if len(received) == 1 else "AA"
        return f"MSH|^~\\&|LIS|H|EHR|H|20260101||ACK|A{len(received)}|P|2.5\rMSA|{code}|X\r".encode()

    server = MllpServer("127.0.0.1", 0, peer, max_frame_bytes=1 << 20, idle_timeout_s=30)
    await server.start()
    try:
        route = {"name": "lis", "sink": {"type": "mllp", "host": "127.0.0.1", "port": server.port}, "retry": ROUTE}
        run = await make_engine(channel(routes=[route]))
        client = run.mllp()
        await client.send(hl7("M1"))
        await client.close()
        await until(lambda: len(received) == 2)  # AE retried, then AA
        mid = (await run.get("/api/v1/messages"))["items"][0]["id"]

        async def two_attempts() -> bool:
            return len((await run.get(f"/api/v1/messages/{mid}"))["attempts"]) == 2

        await until(two_attempts)
        attempts = (await run.get(f"/api/v1/messages/{mid}"))["attempts"]
        assert [(a["outcome"], a["response"]) for a in attempts] == [("retry", None), ("ok", "AA")]
    finally:
        await server.close()


async def test_cli_lists_replays_and_requeues_against_a_running_engine(make_engine: Callable[..., Any],
                                                                      receiver: Receiver, tmp_path: Path) -> None:
    receiver.statuses = [400]
    run = await make_engine(channel(routes=[{"name": "erp", "sink": {"type": "http", "url": receiver.url},
                                             "retry": ROUTE}]))
    settings = run.engine.settings
    (tmp_path / "cli.yaml").write_text(f"data_dir: {settings.data_dir}\nadmin_token_file: {settings.admin_token_file}\n"
                                       f"channels_dir: {tmp_path / 'none'}\napi: {{port: {run.engine.api_port}}}\n")
    client = run.mllp()
    await client.send(hl7("L1"))
    await client.close()
    await until(lambda: len(receiver.requests) == 1)

    async def cli(*args: str) -> Any:
        result = await asyncio.to_thread(CliRunner().invoke, app, [*args, "-c", str(tmp_path / "cli.yaml")])
        assert result.exit_code == 0, result.output
        return result.output

    assert "L1" in await cli("messages", "list")
    await asyncio.sleep(0.2)
    dead = await cli("dead-letters", "list")
    assert "delivery" in dead and "400" in dead
    dry = await cli("replay", "--channel", "adt", "--sink", "erp", "--dry-run")
    assert "would replay 1 message(s)" in dry and len(receiver.requests) == 1
    delivery_id = (await run.get("/api/v1/dead-letters"))["deliveries"][0]["id"]
    assert '"requeued": 1' in await cli("dead-letters", "requeue", "--delivery", str(delivery_id))
    await until(lambda: len(receiver.requests) == 2)
    shown = json.loads(await cli("messages", "show", (await run.get("/api/v1/messages"))["items"][0]["id"]))
    assert shown["message"]["control_id"] == "L1"
