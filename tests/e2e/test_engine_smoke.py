"""The README tour, for real: the repo's own suture.yaml and channels/, started with ``suture run``.

Only what must differ on a shared machine differs: the copy lives in a temp directory (so ``./var`` is
temporary) and the fixed demo ports are swapped for free ones.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, EngineProcess, free_port, suture_command

pytestmark = pytest.mark.slow


def copy_demo(dest: Path) -> dict[int, int]:
    """Copy suture.yaml and channels/ to ``dest``, moving every demo port to a free one; returns old -> new."""
    shutil.copy(ROOT / "suture.yaml", dest / "suture.yaml")
    (dest / "channels").mkdir()
    moved: dict[int, int] = {}
    for path in sorted((ROOT / "channels").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        port = data["source"].get("port")
        if port:
            data["source"]["port"] = moved.setdefault(port, free_port())
        (dest / "channels" / path.name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for path in (dest / "channels").glob("*.yaml"):  # sinks that point at a demo source follow it
        text = path.read_text(encoding="utf-8")
        for old, new in moved.items():
            text = text.replace(f"127.0.0.1:{old}/", f"127.0.0.1:{new}/")
        path.write_text(text, encoding="utf-8")
    return moved


def send(file: Path, port: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``suture send FILE --mllp 127.0.0.1:PORT`` (prints each ACK, exit 1 unless all are AA/CA)."""
    return subprocess.run([*suture_command(), "send", str(file), "--mllp", f"127.0.0.1:{port}", "--timeout", "20"],
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def msa(ack_text: str) -> list[str]:
    line = next((x for x in ack_text.splitlines() if x.startswith("MSA")), "")
    return line.split("|")


def wait_for(fetch: Callable[[], Any], ok: Callable[[Any], bool], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}; last: {value}")
        time.sleep(0.1)


def delivery_states(engine: EngineProcess, message_id: str) -> dict[str, str]:
    detail = engine.api(f"/api/v1/messages/{message_id}")
    return {d["sink"]: d["state"] for d in detail["deliveries"]}


@pytest.fixture
def demo(tmp_path: Path, engine_factory: Callable[..., EngineProcess]) -> tuple[EngineProcess, int]:
    home = tmp_path / "suture"
    home.mkdir()
    moved = copy_demo(home)
    assert {2575, 8081} <= set(moved), f"the demo ports changed ({sorted(moved)}); update this test"
    engine = engine_factory(home / "suture.yaml", cwd=home, env={"SUTURE_API__PORT": str(free_port())},
                            pass_config=False)
    engine.start()
    return engine, moved[2575]


def test_demo_config_journals_routes_and_forwards_a_charge(demo: tuple[EngineProcess, int], corpus_dir: Path
                                                           ) -> None:
    engine, mllp_port = demo
    home = engine.cwd
    sent = send(corpus_dir / "hl7v2" / "ms_DFT-P03-01.hl7", mllp_port, home)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert msa(sent.stdout)[1:3] == ["AA", "MSG00001"], sent.stdout

    items = engine.api("/api/v1/messages", channel="hl7-inbound", control_id="MSG00001")["items"]
    assert [m["status"] for m in items] == ["accepted"]
    message_id = items[0]["id"]
    states = wait_for(lambda: delivery_states(engine, message_id),
                      lambda s: s == {"archive": "delivered", "audit-log": "delivered", "erp-charges": "delivered"},
                      "the DFT is delivered on every route")
    assert states["erp-charges"] == "delivered"
    assert len(list((home / "var" / "outbox" / "all").glob("*.hl7"))) == 1

    # erp-charges forwarded it over HTTP to the erp-inbox channel, with MSH-5 set and the patient name cleared.
    forwarded = wait_for(lambda: engine.api("/api/v1/messages", channel="erp-inbox")["items"], lambda i: len(i) == 1,
                         "the ERP inbox has the charge")
    erp = engine.api(f"/api/v1/messages/{forwarded[0]['id']}")
    raw = erp["message"]["raw_text"]
    assert "MSG00001" in raw and "SUTURE-ERP" in raw
    assert "EVERYMAN" not in raw, "the patient name (PID-5) must not reach the ERP"
    wait_for(lambda: delivery_states(engine, forwarded[0]["id"]), lambda s: s == {"erp-file": "delivered"},
             "the ERP inbox wrote its file")
    assert len(list((home / "var" / "outbox" / "erp").glob("*.hl7"))) == 1

    counts = engine.channel("hl7-inbound")["counts"]
    assert counts.get("accepted") == 1 and counts.get("deliveries_delivered") == 3
    assert engine.stop() == 0


def test_malformed_message_gets_a_nak_with_a_reason_and_the_listener_keeps_serving(
    demo: tuple[EngineProcess, int], corpus_dir: Path
) -> None:
    engine, mllp_port = demo
    home = engine.cwd
    bad = send(corpus_dir / "hl7v2" / "cdc_MALFORMED_missing_MSH9.hl7", mllp_port, home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    fields = msa(bad.stdout)
    assert fields[1] in ("AR", "CR"), bad.stdout
    assert "MSH-9" in bad.stdout, f"the NAK says what is wrong and where:\n{bad.stdout}"

    dead = engine.api("/api/v1/dead-letters", channel="hl7-inbound")
    assert len(dead["rejected"]) == 1
    rejected = dead["rejected"][0]
    assert rejected["status"] == "rejected" and "MSH-9" in (rejected["error"] or "")
    kept = engine.api(f"/api/v1/messages/{rejected['id']}")["message"]
    raw = (corpus_dir / "hl7v2" / "cdc_MALFORMED_missing_MSH9.hl7").read_bytes()
    assert base64.b64decode(kept["raw_base64"]) == raw, "the raw bytes are kept whole for triage"
    assert dead["deliveries"] == []

    good = send(corpus_dir / "hl7v2" / "ms_ADT-A01-01.hl7", mllp_port, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert msa(good.stdout)[1] == "AA"
    counts = engine.channel("hl7-inbound")["counts"]
    assert counts.get("rejected") == 1 and counts.get("accepted") == 1
    assert engine.stop() == 0
