"""Typed readers on the corpus and on edge cases: 832 catalogs, 850 orders, 855 acks, 856 notices, 810 invoices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from x12_samples import Maker

from suture.codecs.x12 import Transaction, X12ReadError, parse, parse_all
from suture.codecs.x12.readers import (
    DateTime,
    ItemId,
    Pack,
    Price,
    Reference,
    read_invoice,
    read_price_catalog,
    read_purchase_order,
    read_purchase_order_ack,
    read_ship_notice,
)
from suture.errors import Location


def _tx(corpus_dir: Path, name: str, index: int = 0) -> Transaction:
    return parse_all((corpus_dir / "x12" / name).read_bytes())[0].transactions[index]


# -- 832 ------------------------------------------------------------------------------------------------------


def test_832_edinet_catalog_items(corpus_dir: Path) -> None:
    catalog = read_price_catalog(_tx(corpus_dir, "edinet_832_4010_catalog.edi"))
    assert (catalog.purpose, catalog.catalog_number, catalog.catalog_version, catalog.transaction_purpose) == (
        "RC", "BISG", "980112", "00"
    )  # fmt: skip
    (maker,) = catalog.parties
    assert (maker.role, maker.name, maker.id_qualifier, maker.id) == ("98", "ABCManufacturerInc.", "1", "123-123456")
    first, second = catalog.items
    assert first.line_number == "1"
    assert first.ids == (ItemId("IB", "0940016699"), ItemId("B7", "Book Industry Study Group"))
    assert first.descriptions == ("X12 Implementation Guidelines for Electronic Data Interchange",) * 3
    assert second.id("IB") == "0812976568"
    assert (second.descriptions, second.currency) == (("Hello World",), "USD")
    assert first.prices == second.prices == ()  # the file carries no CTP
    assert catalog.declared_item_count == 5  # as written (CTT*5), though there are two LIN loops


def test_832_fee_schedule_prices(corpus_dir: Path) -> None:
    catalog = read_price_catalog(_tx(corpus_dir, "sedi_832_6020X304_fee_schedule.edi"))
    assert (catalog.purpose, catalog.catalog_number) == ("PS", "SHP-PPO-2012")
    assert catalog.prices == (Price("PF", "", None, None, "", "DIS", Decimal("0.67")),)
    assert catalog.references == (Reference("CE", "SWPPO1", ""),)
    assert catalog.dates == (DateTime("007", "20120101", ""), DateTime("396", "20121231", ""))
    assert catalog.effective_date == "20120101"
    assert [p.role for p in catalog.parties] == ["PR", "1P"]
    payer = catalog.parties[0]
    assert (payer.city, payer.state, payer.references) == ("SOUTH MIAMI", "FL", (Reference("2U", "435261708", ""),))
    fees = {item.id("HC"): item.prices[0].amount for item in catalog.items}
    assert fees == {
        "99201": Decimal("26.45"), "99202": Decimal("37.75"), "99203": Decimal("53"), "99204": Decimal("72.15"),
        "90716": Decimal("12"), "90632": Decimal("15"), "90633": Decimal("13"),
    }  # fmt: skip
    assert {item.prices[0].qualifier for item in catalog.items} == {"DSC"}
    assert catalog.declared_item_count == len(catalog.items) == 7


def test_832_healthcare_identifiers_quantity_breaks_and_dates(x12: Maker) -> None:
    body = (
        "BCT*PC*CAT-9",
        "DTM*007*20240101",
        "N1*VN*ACME MEDICAL*92*V100",
        "LIN*1*VN*ST-100*UK*00812345678905*MG*M-55*N4*12345-6789-01",
        "PID*F****SUTURE 3-0",
        "PO4*12*1*EA",
        "CTP*WS*CON*10.00*1*BX",
        "CTP*WS*CON*9.00*10*BX",
        "DTM*036*20251231",
        "CTT*1",
    )
    catalog = read_price_catalog(parse(x12(body, set_id="832", functional_id="SC")).transactions[0])
    (item,) = catalog.items
    assert (item.vendor_item_number, item.gtin, item.manufacturer_part_number, item.ndc) == (
        "ST-100", "00812345678905", "M-55", "12345-6789-01"
    )  # fmt: skip
    assert [(p.quantity, p.amount, p.unit) for p in item.prices] == [
        (Decimal("1"), Decimal("10.00"), "BX"), (Decimal("10"), Decimal("9.00"), "BX")
    ]  # fmt: skip
    assert item.packs == (Pack(Decimal("12"), Decimal("1"), "EA"),)
    assert item.dates == (DateTime("036", "20251231", ""),)
    assert catalog.vendor is not None and catalog.vendor.id == "V100"
    assert catalog.effective_date == "20240101"


# -- 850 ------------------------------------------------------------------------------------------------------


def test_850_vics_order(corpus_dir: Path) -> None:
    po = read_purchase_order(_tx(corpus_dir, "nx_850_4010VICS.edi"))
    assert (po.purpose, po.order_type, po.po_number, po.date, po.contract_number) == (
        "00", "SA", "08292233294", "20101127", "610385385"
    )  # fmt: skip
    assert po.references == (Reference("DP", "038", ""), Reference("PS", "R", ""))
    assert po.dates == (DateTime("002", "20101214", ""),)
    ship_to = po.party("ST")
    assert ship_to is not None and (ship_to.name, ship_to.id, ship_to.postal_code) == (
        "XYZ RETAIL",
        "0003947268292",
        "44139",
    )
    lines = [
        (ln.line_number, ln.quantity, ln.unit, ln.unit_price, ln.vendor_item_number, ln.descriptions[0])
        for ln in po.lines
    ]
    assert lines == [
        ("1", Decimal("120"), "EA", Decimal("9.25"), "AB3542", "SMALL WIDGET"),
        ("2", Decimal("220"), "EA", Decimal("13.79"), "RD5322", "MEDIUM WIDGET"),
        ("3", Decimal("126"), "EA", Decimal("10.99"), "XY5266", "LARGE WIDGET"),
        ("4", Decimal("76"), "EA", Decimal("4.35"), "VX2332", "NANO WIDGET"),
        ("5", Decimal("72"), "EA", Decimal("7.5"), "RV0524", "BLUE WIDGET"),
        ("6", Decimal("696"), "EA", Decimal("9.55"), "DX1875", "ORANGE WIDGET"),
    ]
    assert po.lines[0].id("CB") == "065322-117"
    assert po.lines[0].packs == (Pack(Decimal("4"), Decimal("4"), "EA"),)
    assert (po.declared_line_count, po.amounts) == (6, (("1", Decimal("13045.94")),))


def test_850_reads_the_same_whatever_the_terminator_or_envelope_count(corpus_dir: Path) -> None:
    tilde = read_purchase_order(_tx(corpus_dir, "nx_850_4010VICS.edi"))
    newline = read_purchase_order(_tx(corpus_dir, "nx_850_4010VICS_newline_terminator.edi"))
    pair = [
        read_purchase_order(ix.transactions[0])
        for ix in parse_all((corpus_dir / "x12" / "nx_850_4010VICS_two_ST.edi").read_bytes())
    ]
    assert tilde == newline == pair[0] == pair[1]


@pytest.mark.parametrize(
    ("name", "po_number", "lines", "first_line"),
    [
        (
            "sedi_850_4010_minimal.edi",
            "PO12345",
            1,
            ("", Decimal("1"), "EA", Decimal("10.00"), ItemId("VN", "VENDORSKU")),
        ),
        (
            "sedi_850_4010X357_taxexempt.edi",
            "XX-1234",
            1,
            ("1", Decimal("25"), "EA", Decimal("36"), ItemId("MG", "XYZ-1234")),
        ),
        (
            "edinet_850_4010_nbsp_isa.edi",
            "1000012",
            1,
            ("1", Decimal("1"), "EA", Decimal("19.95"), ItemId("VN", "0054321")),
        ),
        (
            "edinet_850_4010_nbsp_tabs.edi",
            "4600000406",
            3,
            ("000100001", Decimal("2500"), "YD", Decimal("2.53"), ItemId("BP", "A_QU001-BLK")),
        ),
        (
            "edinet_850_4010_isa16_missing.edi",
            "740150",
            10,
            ("10", Decimal("13200"), "SF", None, ItemId("ST", "F07EXPLBA1818")),
        ),
    ],
)
def test_850_corpus_orders(
    corpus_dir: Path, name: str, po_number: str, lines: int, first_line: tuple[object, ...]
) -> None:
    po = read_purchase_order(_tx(corpus_dir, name))
    line = po.lines[0]
    assert (po.po_number, len(po.lines)) == (po_number, lines)
    assert (line.line_number, line.quantity, line.unit, line.unit_price, line.ids[0]) == first_line


def test_850_header_parties_and_contacts(corpus_dir: Path) -> None:
    po = read_purchase_order(_tx(corpus_dir, "sedi_850_4010X357_taxexempt.edi"))
    buyer = po.party("BY")
    assert buyer is not None
    assert (buyer.name, buyer.extra_names, buyer.address_lines, buyer.city) == (
        "ABC AEROSPACE", ("AIRCRAFT DIVISION",), ("2000 JET BLVD",), "FIGHTER TOWN"
    )  # fmt: skip
    assert [(c.function, c.name, c.channels) for c in po.contacts] == [("BD", "ED SMITH", (("TE", "8001234567"),))]
    assert po.amounts == (("TT", Decimal("900")),)


def test_850_line_level_parties_stay_with_their_line(x12: Maker) -> None:
    body = ("BEG*00*SA*PO-1**20240101", "N1*BT*HOSPITAL", "PO1*1*1*EA*5**VN*A", "N1*ST*OR 3", "N3*1 MAIN", "CTT*1")
    po = read_purchase_order(parse(x12(body)).transactions[0])
    assert [p.role for p in po.parties] == ["BT"]
    assert [(p.role, p.address_lines) for p in po.lines[0].parties] == [("ST", ("1 MAIN",))]


# -- 855 / 856 / 810 ------------------------------------------------------------------------------------------


def test_855_line_statuses(corpus_dir: Path) -> None:
    ack = read_purchase_order_ack(_tx(corpus_dir, "nx_855_4010.edi"))
    assert (ack.purpose, ack.ack_type, ack.po_number, ack.po_date) == ("00", "AD", "POTEST1112", "20201015")
    assert [(ln.line_number, ln.status, ln.acks[0].quantity) for ln in ack.lines] == [
        ("1", "IA", Decimal("3")), ("2", "IR", Decimal("0")), ("3", "IR", Decimal("0")), ("4", "IA", Decimal("2"))
    ]  # fmt: skip
    assert ack.declared_line_count == 4


def test_855_line_changes(corpus_dir: Path) -> None:
    ack = read_purchase_order_ack(_tx(corpus_dir, "sedi_855_4010X358_changes.edi"))
    first = ack.lines[0]
    assert [a.status for a in first.acks] == ["IP", "DR", "IQ", "IS"]
    assert (first.acks[1].date_qualifier, first.acks[1].date, first.acks[2].quantity) == (
        "106",
        "20170520",
        Decimal("20"),
    )
    assert first.acks[3].ids == (ItemId("MG", "XX-1234-A"),)
    assert first.prices[0].amount == Decimal("9")
    assert [ln.status for ln in ack.lines] == ["IP", "IA", "IR"]


def test_856_hierarchy(corpus_dir: Path) -> None:
    asn = read_ship_notice(_tx(corpus_dir, "nx_856_4060.edi"))
    assert (asn.purpose, asn.shipment_id, asn.date, asn.time, asn.structure) == (
        "14",
        "829716",
        "20111206",
        "142428",
        "0002",
    )
    assert [(lv.id, lv.parent_id, lv.code) for lv in asn.levels] == [
        ("1", "", "S"),
        ("2", "1", "O"),
        ("3", "2", "I"),
        ("4", "2", "I"),
    ]
    shipment = asn.levels[0]
    assert [p.role for p in shipment.parties] == ["SH", "OB", "SF"]
    assert shipment.references[0] == Reference("BM", "999999-001", "")
    items = [(lv.item.ids, lv.item.quantity, lv.item.unit, asn.order_number_for(lv)) for lv in asn.items if lv.item]
    assert items == [
        ((ItemId("VP", "87787D"), ItemId("UP", "999999310145")), Decimal("24"), "EA", "99999817"),
        ((ItemId("VP", "99887D"), ItemId("UP", "999999311746")), Decimal("6"), "EA", "99999817"),
    ]
    assert [lv.id for lv in asn.children(asn.levels[1])] == ["3", "4"]
    assert asn.declared_level_count == 4


def test_856_lots_serials_and_marks(x12: Maker) -> None:
    body = (
        "BSN*00*SHIP-1*20240101*1200",
        "HL*1**S",
        "HL*2*1*O",
        "PRF*PO-77",
        "HL*3*2*P",
        "MAN*GM*00012345678901234567",
        "HL*4*3*I",
        "LIN*1*VN*IMPLANT-5*LT*LOT-A",
        "SN1**2*EA",
        "REF*LT*LOT-B",
        "REF*SE*SN-1",
        "REF*LS*SN-2",
        "DTM*036*20270101",
        "CTT*4",
    )
    asn = read_ship_notice(parse(x12(body, set_id="856", functional_id="SH")).transactions[0])
    pack, item = asn.levels[2], asn.levels[3]
    assert pack.marks == (("GM", "00012345678901234567"),)
    assert item.item is not None
    assert (item.item.lots, item.item.serials, item.item.expiration_date) == (
        ("LOT-A", "LOT-B"),
        ("SN-1", "SN-2"),
        "20270101",
    )
    assert asn.order_number_for(item) == "PO-77"
    assert [lv.id for lv in asn.ancestors(item)] == ["3", "2", "1"]


def test_810_invoice_with_line_and_summary_charges(corpus_dir: Path) -> None:
    invoice = read_invoice(_tx(corpus_dir, "edinet_810_4010_bom_tabs.edi"))
    assert (invoice.date, invoice.number, invoice.po_number, invoice.transaction_type) == (
        "20030310", "DO091003TESTINV01", "DO091003", "DI"
    )  # fmt: skip
    assert (invoice.currency, invoice.total) == ("USD", Decimal("365.96"))
    assert [(ln.line_number, ln.quantity, ln.unit_price, ln.vendor_item_number) for ln in invoice.lines] == [
        ("1", Decimal("2"), Decimal("99.99"), "ID001"), ("2", Decimal("2"), Decimal("79.99"), "ID002")
    ]  # fmt: skip
    assert invoice.lines[0].ids == (ItemId("VP", "ID001"),)
    assert [(c.indicator, c.code, c.amount) for c in invoice.lines[0].charges] == [
        ("N", "B840", Decimal("199.98")), ("C", "G830", Decimal("3.00"))
    ]  # fmt: skip
    remit = invoice.party("RI")
    assert remit is not None and remit.references == (
        Reference("AP", "00000-11111", ""),
        Reference("RT", "123456789", ""),
    )
    first_terms = invoice.terms[0]
    assert (first_terms.type, first_terms.discount_percent, first_terms.discount_days) == (
        "52", Decimal("10"), Decimal("10")
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "number", "total", "lines"),
    [
        ("sedi_810_4010_pipe_separator.edi", "00237058", Decimal("285.66"), 2),
        ("sedi_810_4010X348.edi", "39876980601170600", Decimal("170.60"), 1),
        ("edinet_810_4010_header_only.edi", "DO091003TESTHDRINV01", Decimal("411.92"), 1),
    ],
)
def test_810_corpus_invoices(corpus_dir: Path, name: str, number: str, total: Decimal, lines: int) -> None:
    invoice = read_invoice(_tx(corpus_dir, name))
    assert (invoice.number, invoice.total, len(invoice.lines)) == (number, total, lines)


# -- errors ---------------------------------------------------------------------------------------------------


def test_a_reader_refuses_another_transaction_set(x12: Maker) -> None:
    with pytest.raises(X12ReadError, match="expected transaction set 832"):
        read_price_catalog(parse(x12()).transactions[0])


def test_a_price_that_is_not_a_number_is_refused_naming_its_place_not_its_value(x12: Maker) -> None:
    data = x12(("BEG*00*SA*PO-1**20240101", "PO1*1*2*EA*12,50**VN*A1"))
    with pytest.raises(X12ReadError) as caught:
        read_purchase_order(parse(data).transactions[0])
    assert caught.value.location == Location("PO1", 3, 4, line=5)
    assert "12,50" not in str(caught.value)


def test_n2_amounts_must_be_whole_numbers(x12: Maker) -> None:
    data = x12(("BIG*20240101*INV-1", "TDS*123.45"), set_id="810", functional_id="IN")
    with pytest.raises(X12ReadError, match="TDS01 is not an N2 number"):
        read_invoice(parse(data).transactions[0])
