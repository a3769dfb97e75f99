"""The CSV column layout shared by the bulk importer and the CSV feeds: rows -> typed fields + external ids."""

from __future__ import annotations

from decimal import Decimal

import pytest

from suture.canonical.base import ExternalId
from suture.errors import RejectedInput
from suture.transforms.csv_master import CsvRejected, csv_layout, csv_lines, csv_to_records, record_to_update

ITEMS = (
    "id,description,base_uom,gtin,implantable,chargeable,charge_code,price,status,xref:erp:product,xref:ehr:\n"
    "A,Hip stem,EA,00312345678913|96385074,yes,true,C-77,1500,,P-1|P-1b,E-1\n"
    ",\"Bone screw,\nself tapping\",,,no,0,,,inactive,P-2,\n"
)


def test_cells_are_typed_by_the_canonical_model_and_ids_come_from_xref_and_gtin_columns() -> None:
    stem, screw = csv_to_records(ITEMS, "item").records
    assert (stem.line, stem.id) == (2, "A")
    assert stem.fields == {"description": "Hip stem", "base_uom": "EA", "gtins": ("00312345678913", "00000096385074"),
                           "implantable": True, "chargeable": True, "charge_code": "C-77", "price": Decimal("1500"),
                           "status": "active"}
    assert [(x.system, x.namespace, x.value) for x in stem.external_ids] == [
        ("erp", "product", "P-1"), ("erp", "product", "P-1b"), ("ehr", "", "E-1"),
        ("GS1", "GTIN", "00312345678913"), ("GS1", "GTIN", "00000096385074")]
    assert (screw.line, screw.id, screw.fields["description"]) == (3, None, "Bone screw,\nself tapping")


def test_an_empty_cell_is_the_fields_default_but_an_empty_required_field_is_left_out() -> None:
    _, screw = csv_to_records(ITEMS, "item").records
    assert "description" in screw.fields
    blank = csv_to_records("description,manufacturer,implantable,price,gtin\n,,,,\n", "item")
    assert blank.records == []  # an all-blank row is skipped
    record = csv_to_records("description,manufacturer,implantable,price,gtin\n,,,,|\n", "item").records[0]
    assert record.fields == {"manufacturer": None, "implantable": False, "price": None, "gtins": ()}
    assert record.external_ids == ()


def test_every_bad_cell_is_a_problem_with_its_line_and_column_and_no_value() -> None:
    header, rows = csv_lines("id,description,lot_controlled,price,status,gtin,xref:erp:product\n"
                             "A,Stent,maybe,abc,retired,00312345678907,P-1\n"
                             "\n"
                             "B,Coil,no,1\n")
    layout, problems = csv_layout("item", header)
    assert layout is not None and problems == []
    found = [layout.record(line, cells) for line, cells in rows]
    assert [record for record, _ in found] == [None, None]
    assert found[0][1] == [  # in the order of the columns
        (2, "lot_controlled", "Input should be a valid boolean, unable to interpret input"),
        (2, "price", "Input should be a valid decimal"),
        (2, "status", "Input should be 'active', 'inactive', 'blocked' or 'discontinued'"),
        (2, "gtin", "GTIN 1 has a wrong check digit"),
    ]
    assert found[1][1] == [(4, "", "has 4 cells, the header has 7")]
    assert not any("maybe" in message or "abc" in message for _, _, message in found[0][1])


def test_a_rejected_file_names_the_first_problems_line_and_column() -> None:
    with pytest.raises(CsvRejected) as caught:
        csv_to_records("id,description,price\nA,Stent,1\nB,Coil,abc\nC,Wire,-1\n", "item")
    assert str(caught.value) == ("column 'price': Input should be a valid decimal (and 1 more problem(s)) "
                                 "at field 3 line 3")
    assert caught.value.problems == [(3, "price", "Input should be a valid decimal"),
                                     (4, "price", "Input should be greater than or equal to 0")]
    assert caught.value.location is not None and (caught.value.location.line, caught.value.location.field) == (3, 3)


def test_an_unknown_or_repeated_column_refuses_the_file_on_line_1() -> None:
    assert csv_layout("item", ["description", "colour", "xref:"])[1] == [(1, "colour", "unknown column"),
                                                                         (1, "xref:", "unknown column")]
    assert csv_layout("item", ["name"])[1] == [(1, "name", "unknown column")]  # a vendor column
    assert csv_layout("vendor", ["name", "name"])[1] == [(1, "", "a column name repeats")]
    with pytest.raises(CsvRejected, match="no header row"):
        csv_to_records("", "item")


def test_vendor_rows_have_their_own_columns() -> None:
    file = csv_to_records("\ufeffid,name,duns,gln,status,payment_terms,xref:erp:supplier\n"
                          "V-1,Acme,123456789,,active,NET30,S-1\n", "vendor")
    assert file.records[0].fields == {"name": "Acme", "duns": "123456789", "gln": None, "status": "active",
                                      "payment_terms": "NET30"}
    with pytest.raises(CsvRejected) as caught:
        csv_to_records("name,duns\nAcme,12345\n", "vendor")
    assert caught.value.problems == [(2, "duns", "String should match pattern '^\\d{9}$'")]


def test_store_problems_are_attributed_to_the_column_that_carried_the_field() -> None:
    layout, _ = csv_layout("item", ["id", "gtin", "xref:erp:product", "xref:erp", "charge_code"])
    assert layout is not None
    assert layout.column("charge_code") == "charge_code"
    assert layout.column("xref:GS1:GTIN") == "gtin"
    assert layout.column("xref:erp:product") == "xref:erp:product"
    assert layout.column("xref:erp:") == "xref:erp"
    assert layout.column("") == "row"


def test_a_feed_row_is_keyed_by_the_senders_own_id() -> None:
    stem, screw = csv_to_records(ITEMS, "item").records
    update = record_to_update(stem, "item", "erp")
    assert update.key == ExternalId(system="erp", namespace="product", value="P-1")
    assert [x.value for x in update.external_ids] == ["P-1b", "E-1", "00312345678913", "00000096385074"]
    assert update.fields is stem.fields
    from_ehr = record_to_update(stem, "item", "ehr")
    assert from_ehr.key == ExternalId(system="ehr", value="E-1")
    by_id = record_to_update(stem, "item", "procurement")  # no id of its own: the row's id, in namespace item
    assert by_id.key == ExternalId(system="procurement", namespace="item", value="A")
    assert len(by_id.external_ids) == 5
    with pytest.raises(RejectedInput, match=r"no procurement id .* at line 3"):
        record_to_update(screw, "item", "procurement")


def test_an_unreadable_csv_is_rejected_with_its_line() -> None:
    _, rows = csv_lines("description\nok\n\"never closed\n" + "x" * 200_000 + "\n")
    with pytest.raises(RejectedInput, match=r"unreadable CSV.* at line 3"):
        list(rows)


def test_gtins_must_be_ascii_digits_with_a_right_check_digit() -> None:
    layout, _ = csv_layout("item", ["description", "gtin"])
    assert layout is not None
    record, problems = layout.record(2, ["Stent", "9638507\u00b2|00312345678907|96385074"])
    assert record is None
    assert problems == [(2, "gtin", "GTIN 1 is not 8, 12, 13 or 14 digits"),
                        (2, "gtin", "GTIN 2 has a wrong check digit")]
