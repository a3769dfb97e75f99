"""Every X12 file in ../shared/corpus/x12: valid ones parse and round-trip byte for byte with the problems
listed here (and no others); MALFORMED ones are rejected with a reason naming segment, element and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from suture.codecs.x12 import X12ParseError, build_997, build_999, parse, parse_all
from suture.errors import Location

_DEFAULT_CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
_X12_DIR = Path(os.environ.get("SUTURE_CORPUS", _DEFAULT_CORPUS)) / "x12"
_FILES = sorted(p.name for p in _X12_DIR.iterdir()) if _X12_DIR.is_dir() else []
VALID = [name for name in _FILES if "MALFORMED" not in name]
MALFORMED = [name for name in _FILES if "MALFORMED" in name]

# What the valid files really contain that a 997/999 (or TA1) would report: (level, code).
EXPECTED_PROBLEMS: dict[str, set[tuple[str, str]]] = {
    "edinet_832_4010_catalog.edi": {("transaction", "4")},  # SE*17 around 12 segments
    "edinet_850_4010_isa16_missing.edi": {("transaction", "7")},  # both sets are ST*850*0001
    "edinet_850_4010_nbsp_isa.edi": {("interchange", "001")},  # IEA02 000000001, ISA13 000000055
    "edinet_850_4010_nbsp_tabs.edi": {("interchange", "001")},
    "edinet_850_unknown_segments.edi": {
        ("interchange", "001"),
        ("transaction", "4"),
        ("segment", "3"),
        ("segment", "6"),
    },
    "ims_837_5010_tilde_elem_sep.txt": {("transaction", "4")},  # SE*25 around 34 segments (pyx12 agrees)
    # stupidedi's aerospace fixtures file 810/850/855 under GS01=SC: noted, not rejected
    "sedi_810_4010X348.edi": {("transaction", "6")},
    "sedi_850_4010X357_taxexempt.edi": {("transaction", "6")},
    "sedi_855_4010X358_changes.edi": {("transaction", "6")},
}

# file -> (words the reason must contain, location, whether only strict parsing rejects it)
EXPECTED_REJECTIONS: dict[str, tuple[tuple[str, ...], Location, bool]] = {
    "ims_MALFORMED_isa02_short.txt": (("ISA02", "9 characters of padding"), Location("ISA", 1, 2, line=1), False),
    "ims_MALFORMED_no_ISA.txt": (("GS", "ISA envelope is missing"), Location("GS", 1, line=1), False),
    "sedi_MALFORMED_832_isa_split.edi": (("broken across lines", "ISA10"), Location("ISA", 1, 10, line=1), False),
    "sedi_MALFORMED_855_isa_split.edi": (("broken across lines", "ISA10"), Location("ISA", 1, 10, line=1), False),
    "sedi_MALFORMED_856_mixed_terminators.edi": (("line break inside a segment",), Location("N1", 13, line=13), False),
    "sedi_MALFORMED_832_BTC_typo.edi": (("must begin with BCT",), Location("BCT", 2, line=4), True),
    "sedi_MALFORMED_856_2001_bang_terminator.edi": (("GS08", "not supported"), Location("GS", None, 8, line=2), True),
}


@pytest.mark.parametrize("name", VALID)
def test_valid_corpus_file_parses_and_round_trips_byte_for_byte(corpus_dir: Path, name: str) -> None:
    data = (corpus_dir / "x12" / name).read_bytes()
    interchanges = parse_all(data)
    assert b"".join(ix.to_bytes() for ix in interchanges) == data
    assert b"".join(ix.serialize() for ix in interchanges) == data  # rebuilt from segments and gaps
    for ix in interchanges:
        assert ix.transactions
        assert all(tx.has_trailer for tx in ix.transactions)


@pytest.mark.parametrize("name", VALID)
def test_valid_corpus_file_has_exactly_the_known_problems(corpus_dir: Path, name: str) -> None:
    interchanges = parse_all((corpus_dir / "x12" / name).read_bytes())
    found = {(p.level, p.code) for ix in interchanges for p in ix.problems}
    assert found == EXPECTED_PROBLEMS.get(name, set())


@pytest.mark.parametrize("name", VALID)
def test_every_valid_corpus_group_gets_a_997_and_a_999_that_parse_back(corpus_dir: Path, name: str) -> None:
    for ix in parse_all((corpus_dir / "x12" / name).read_bytes()):
        for build in (build_997, build_999):
            ack = build(ix, control_number=9, date="20240102", time="0800")
            assert parse(ack.to_bytes()).problems == []
            assert len(ack.transactions) == len(ix.groups)


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_corpus_file_is_rejected_with_a_reason_naming_the_problem(corpus_dir: Path, name: str) -> None:
    assert name in EXPECTED_REJECTIONS, f"new MALFORMED file {name}: add its expected rejection"
    words, location, strict_only = EXPECTED_REJECTIONS[name]
    data = (corpus_dir / "x12" / name).read_bytes()
    if strict_only:
        lenient = parse_all(data)
        assert any(tx.rejected for ix in lenient for tx in ix.transactions)
    with pytest.raises(X12ParseError) as caught:
        parse_all(data, strict=True)
    for word in words:
        assert word in caught.value.reason
    assert caught.value.location == location


def test_the_two_interchange_file_is_refused_by_parse_and_read_by_parse_all(corpus_dir: Path) -> None:
    data = (corpus_dir / "x12" / "nx_850_4010VICS_two_ST.edi").read_bytes()
    with pytest.raises(X12ParseError, match="parse_all"):
        parse(data)
    assert [ix.control_number for ix in parse_all(data)] == ["000003438", "000003438"]


def test_isa16_missing_file_reads_the_tilde_as_component_separator_like_a_positional_reader(corpus_dir: Path) -> None:
    ix = parse((corpus_dir / "x12" / "edinet_850_4010_isa16_missing.edi").read_bytes())
    assert (ix.delimiters.component, ix.delimiters.segment) == ("~", "\n")
    first, second = ix.transactions
    assert (first.control_number, len(first), len(second)) == ("0001", 87, 95)
    # the one DTM written without the trailing "~" (line 23) reads like the others: trailing empty
    # components carry no meaning
    dates = {seg.line: seg.get(2) for seg in first.segments_named("DTM")}
    assert dates[23] == dates[22] == "20190309"
    assert all(len(d) == 8 and d.isdigit() for d in dates.values())
