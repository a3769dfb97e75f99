"""The ``suture`` command line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from suture.cli.client import ApiClient, ApiError
from suture.cli.udi import app as udi_app
from suture.errors import ConfigError

app = typer.Typer(help="Suture healthcare integration engine.", no_args_is_help=True)
messages_app = typer.Typer(help="Search and inspect journaled messages.", no_args_is_help=True)
dead_app = typer.Typer(help="List, inspect and requeue dead letters.", no_args_is_help=True)
app.add_typer(messages_app, name="messages")
app.add_typer(dead_app, name="dead-letters")
app.add_typer(udi_app, name="udi")
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

ConfigOpt = typer.Option(None, "--config", "-c", help="suture.yaml (default: $SUTURE_CONFIG or ./suture.yaml)")


def _config_path(config: Path | None) -> Path:
    return config or Path(os.environ.get("SUTURE_CONFIG", "suture.yaml"))


def _load(config: Path | None) -> Any:
    from suture.config.loader import load_config

    try:
        return load_config(_config_path(config))
    except ConfigError as exc:
        sys.stderr.write(f"configuration has {len(exc.problems)} problem(s):\n")
        for line in str(exc).splitlines():
            sys.stderr.write(f"  {line}\n")
        raise typer.Exit(2) from exc


def _client(config: Path | None, url: str | None) -> ApiClient:
    cfg = _load(config)
    s = cfg.settings
    token_file = cfg.path(s.admin_token_file)
    if not token_file.exists():
        err.print(f"no admin token at {token_file}: start the engine once with `suture run`")
        raise typer.Exit(2)
    return ApiClient(url or f"http://{s.api.host}:{s.api.port}", token_file.read_text().strip())


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.command()
def run(config: Path | None = ConfigOpt) -> None:
    """Start the engine: journal, channels, API and dashboard."""
    from suture.engine import Engine, loop_factory
    from suture.observability.logging import setup_logging

    cfg = _load(config)
    setup_logging(cfg.settings.log_level)
    s = cfg.settings
    console.print(f"Suture: {len(cfg.channels)} channel(s), journal {s.database_url}")
    console.print(f"API and dashboard on http://{s.api.host}:{s.api.port}  (token in {s.admin_token_file})")
    for ch in cfg.channels:
        port = getattr(ch.source, "port", None)
        console.print(f"  channel {ch.name}: {ch.source.type}" + (f" on port {port}" if port else "")
                      + f" -> {', '.join(r.name for r in ch.routes)}")
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=loop_factory(s.event_loop)) as runner:
        runner.run(Engine(cfg).serve_forever())


@app.command("check-config")
def check_config(config: Path | None = ConfigOpt) -> None:
    """Validate suture.yaml and every channel file; print each mistake with file, line and field."""
    cfg = _load(config)
    console.print(f"ok: settings and {len(cfg.channels)} channel(s) are valid")


@app.command()
def send(file: Path, mllp: str = typer.Option(..., "--mllp", help="HOST:PORT"),
         timeout: float = typer.Option(30.0, help="seconds to wait for each ACK")) -> None:
    """Send an HL7 v2 file (a batch file message by message) over MLLP and print each ACK."""
    from suture.codecs import hl7v2
    from suture.connectors.mllp.client import MllpClient

    host, _, port = mllp.rpartition(":")
    data = file.read_bytes()
    payloads = hl7v2.split_batch(data) if hl7v2.is_batch(data) else [data]

    async def go() -> int:
        client = MllpClient(host or "127.0.0.1", int(port), connect_timeout_s=10, ack_timeout_s=timeout)
        worst = 0
        try:
            for payload in payloads:
                ack = await client.send(payload)
                sys.stdout.write(ack.replace(b"\r", b"\n").decode("utf-8", errors="replace") + "\n")
                code = hl7v2.ack_code(ack)
                worst = max(worst, 0 if code in ("AA", "CA") else 1)
        finally:
            await client.close()
        return worst

    raise typer.Exit(asyncio.run(go()))


@messages_app.command("list")
def messages_list(channel: str | None = None, status: str | None = None, since: str | None = None,
                  until: str | None = None, limit: int = 20, as_json: bool = typer.Option(False, "--json"),
                  config: Path | None = ConfigOpt, url: str | None = None) -> None:
    """List recent messages, newest first."""
    data = _api(lambda c: c.get("/api/v1/messages", channel=channel, status=status, since=since,
                                 until=until, limit=limit), config, url)
    if as_json:
        _print_json(data)
        return
    table = Table("id", "channel", "received", "control id", "status", "size", "dups")
    for m in data["items"]:
        table.add_row(m["id"], m["channel"], _ts(m["received_at"]), m["control_id"], m["status"], str(m["size"]),
                      str(m["duplicates"]))
    console.print(table)


@messages_app.command("show")
def messages_show(message_id: str, config: Path | None = ConfigOpt, url: str | None = None) -> None:
    """Show one message: envelope, raw payload, deliveries and attempts (JSON)."""
    _print_json(_api(lambda c: c.get(f"/api/v1/messages/{message_id}"), config, url))


@app.command()
def replay(channel: str | None = None, sink: str | None = None, status: str | None = None,
           since: str | None = None, until: str | None = None,
           ids: list[str] = typer.Option([], "--id", help="message id (repeatable)"),
           dry_run: bool = typer.Option(False, "--dry-run", help="list what would be replayed, send nothing"),
           limit: int = 1000, config: Path | None = ConfigOpt, url: str | None = None) -> None:
    """Replay journaled messages through their channel (all routes, or one --sink)."""
    body = {"channel": channel, "sink": sink, "status": status, "since": since, "until": until,
            "ids": ids, "dry_run": dry_run, "limit": limit}
    data = _api(lambda c: c.post("/api/v1/replay", body), config, url)
    verb = "would replay" if dry_run else "replayed"
    for item in data["items"]:
        note = f"  (skipped: {item['skipped']})" if item["skipped"] else ""
        console.print(f"{item['message_id']}  {item['channel']} -> {', '.join(item['sinks'])}{note}")
    console.print(f"{verb} {data['count']} message(s)")


@dead_app.command("list")
def dead_list(channel: str | None = None, sink: str | None = None, limit: int = 50,
              config: Path | None = ConfigOpt, url: str | None = None) -> None:
    """Dead deliveries (retries spent or permanent failure) and rejected input."""
    data = _api(lambda c: c.get("/api/v1/dead-letters", channel=channel, sink=sink, limit=limit), config, url)
    table = Table("kind", "id", "message", "channel", "sink", "tries", "error")
    for d in data["deliveries"]:
        table.add_row("delivery", str(d["id"]), d["message_id"], d["channel"], d["sink"], str(d["attempts"]),
                      d["last_error"] or "")
    for m in data["rejected"]:
        table.add_row("rejected", m["id"], m["id"], m["channel"], "", "", m["error"] or "")
    console.print(table)


@dead_app.command("show")
def dead_show(message_id: str, config: Path | None = ConfigOpt, url: str | None = None) -> None:
    """Show the message behind a dead letter (JSON)."""
    messages_show(message_id, config, url)


@dead_app.command("requeue")
def dead_requeue(delivery: list[int] = typer.Option([], "--delivery", help="dead delivery id (repeatable)"),
                 message: list[str] = typer.Option([], "--message", help="rejected message id (repeatable)"),
                 config: Path | None = ConfigOpt, url: str | None = None) -> None:
    """Put dead deliveries back in their queue, or submit rejected messages again."""
    body = {"delivery_ids": delivery, "message_ids": message}
    _print_json(_api(lambda c: c.post("/api/v1/dead-letters/requeue", body), config, url))


def _api(call: Any, config: Path | None, url: str | None) -> Any:
    try:
        return call(_client(config, url))
    except ApiError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(1) from exc


def _ts(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
