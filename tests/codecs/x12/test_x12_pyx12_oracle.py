"""pyx12 as an oracle: on the corpus files it can read (it needs a strictly positional ISA and a known
ISA12), it cuts the same segments and finds the same SE count errors. Skipped when pyx12 is not installed
(it is a local check only, not a project dependency)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from suture.codecs.x12 import parse_all

x12file = pytest.importorskip("pyx12.x12file")
pyx12_errors = pytest.importorskip("pyx12.errors")

_DEFAULT_CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
_X12_DIR = Path(os.environ.get("SUTURE_CORPUS", _DEFAULT_CORPUS)) / "x12"
VALID = sorted(p.name for p in _X12_DIR.iterdir() if "MALFORMED" not in p.name) if _X12_DIR.is_dir() else []


def _pyx12(data: bytes) -> tuple[list[str], list[tuple[str, str]]]:
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    try:
        reader = x12file.X12Reader(io.StringIO(text))
        ids = [seg.get_seg_id() for seg in reader]
    except pyx12_errors.X12Error:
        pytest.skip("pyx12 cannot read this file")
    return ids, [(err[0], err[1]) for err in reader.pop_errors()]


@pytest.mark.parametrize("name", VALID)
def test_segments_and_se_counts_agree_with_pyx12(corpus_dir: Path, name: str) -> None:
    data = (corpus_dir / "x12" / name).read_bytes()
    ids, errors = _pyx12(data)
    interchanges = parse_all(data)
    if ids[-1] != "IEA":  # pyx12 drops a last segment that has no terminator; we read it
        ids.append("IEA")
    assert [seg.id for ix in interchanges for seg in ix.segments] == ids
    ours = any(p.level == "transaction" and p.code == "4" for ix in interchanges for p in ix.problems)
    assert ours == (("st", "4") in errors)
