"""Master data contract: the same tests on SQLite and PostgreSQL (the ``journal`` fixture is parametrized)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from suture.canonical.base import ExternalId, Provenance
from suture.errors import RejectedInput
from suture.store import Journal
from suture.store.masterdata import BulkRow, MasterStore, NotFound, XrefConflict

NOON = datetime(2024, 6, 15, 12, tzinfo=UTC).timestamp()  # 2024-06-15 in any time zone within ±11 h
TODAY = date(2024, 6, 15)
ERP = Provenance(system="erp", message_id="msg-1")


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(journal: Journal) -> AsyncIterator[MasterStore]:
    yield MasterStore(journal, clock=Clock())


def gauze(**extra: object) -> dict[str, object]:
    return {"description": "Gauze 4x4", "price": "1.20", **extra}


def ext(value: str, system: str = "erp", namespace: str = "product", **dates: date) -> ExternalId:
    return ExternalId(system=system, namespace=namespace, value=value, **dates)


# -- records: versions, history, provenance -------------------------------------------------------------
async def test_put_without_id_creates_a_readable_id_and_first_version(store: MasterStore) -> None:
    first = await store.put("item", None, gauze(), ERP)
    second = await store.put("vendor", None, {"name": "Acme"}, ERP)
    third = await store.put("cost_center", None, {"name": "OR", "dimensions": {"company": "H1"}}, ERP)
    assert (first.id, first.version, first.current) == ("item-000001", 1, True)
    assert second.id == "vendor-000001" and third.id == "cost-center-000001"
    assert first.valid_from == TODAY and first.valid_to is None
    assert first.provenance == ERP
    got = await store.get("item", first.id)
    assert got == first
    assert got is not None and got.model().description == "Gauze 4x4"  # type: ignore[attr-defined]


async def test_changed_data_adds_a_version_and_history_keeps_every_version_with_provenance(
        store: MasterStore) -> None:
    v1 = await store.put("item", "GZ-1", gauze(), ERP)
    v2 = await store.put("item", "GZ-1", gauze(price="1.35"), Provenance(system="procurement", message_id="msg-2"),
                         valid_from=date(2024, 7, 1))
    assert (v1.id, v2.version) == ("GZ-1", 2)
    history = await store.history("item", "GZ-1")
    assert [(v.version, v.current, v.valid_from, v.valid_to) for v in history] == [
        (1, False, TODAY, date(2024, 6, 30)), (2, True, date(2024, 7, 1), None)]
    assert [v.data["price"] for v in history] == ["1.20", "1.35"]
    assert [(v.provenance.system, v.provenance.message_id) for v in history] == [
        ("erp", "msg-1"), ("procurement", "msg-2")]


async def test_equal_data_adds_no_version(store: MasterStore) -> None:
    v1 = await store.put("item", None, gauze(), ERP)
    again = await store.put("item", v1.id, {"price": "1.20", "description": "Gauze 4x4"}, ERP)
    assert again == v1
    assert len(await store.history("item", v1.id)) == 1


async def test_get_on_a_date_returns_the_version_in_effect(store: MasterStore) -> None:
    v1 = await store.put("item", "GZ-1", gauze(), ERP, valid_from=date(2024, 1, 1))
    await store.put("item", "GZ-1", gauze(price="2.00"), ERP, valid_from=date(2024, 3, 1))
    await store.put("item", "GZ-1", gauze(price="3.00"), ERP, valid_from=date(2024, 9, 1))
    assert await store.get("item", "GZ-1", on=date(2023, 12, 31)) is None
    prices = [(await store.get("item", "GZ-1", on=d)) for d in (date(2024, 2, 29), date(2024, 3, 1), TODAY,
                                                               date(2024, 9, 1))]
    assert [p.data["price"] if p else None for p in prices] == ["1.20", "2.00", "2.00", "3.00"]
    current = await store.get("item", v1.id)
    assert current is not None and current.data["price"] == "3.00"  # the latest recorded, though future


async def test_a_version_superseded_on_its_first_day_is_never_in_effect_but_kept(store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(), ERP)
    await store.put("item", "GZ-1", gauze(price="9.99"), ERP)
    history = await store.history("item", "GZ-1")
    assert history[0].valid_to == date(2024, 6, 14) and len(history) == 2
    found = await store.get("item", "GZ-1", on=TODAY)
    assert found is not None and found.version == 2


async def test_a_version_starting_before_the_current_one_is_refused(store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(), ERP, valid_from=date(2024, 5, 1))
    with pytest.raises(RejectedInput, match="valid_from"):
        await store.put("item", "GZ-1", gauze(price="2"), ERP, valid_from=date(2024, 4, 1))
    assert len(await store.history("item", "GZ-1")) == 1


async def test_invalid_data_is_refused_naming_fields_not_values(store: MasterStore) -> None:
    with pytest.raises(RejectedInput) as caught:
        await store.put("item", None, {"description": "x", "price": "SECRET-PRICE", "colour": "red"}, ERP)
    text = str(caught.value)
    assert "price" in text and "colour" in text and "SECRET-PRICE" not in text and "red" not in text
    with pytest.raises(RejectedInput, match="charge_code"):
        await store.put("item", None, gauze(chargeable=True), ERP)
    with pytest.raises(RejectedInput, match="unknown kind"):
        await store.put("gizmo", None, {}, ERP)
    with pytest.raises(RejectedInput, match="id must be"):
        await store.put("item", "bad id/with slash", gauze(), ERP)
    assert (await store.list("item")).items == []


async def test_generated_ids_skip_ids_a_caller_already_chose(store: MasterStore) -> None:
    await store.put("item", "item-000002", gauze(), ERP)
    made = [(await store.put("item", None, gauze(description=f"n{n}"), ERP)).id for n in range(3)]
    assert made == ["item-000001", "item-000003", "item-000004"]


async def test_list_pages_by_id_and_filters_by_status_and_text(store: MasterStore) -> None:
    for n in range(7):
        await store.put("item", f"I-{n}", gauze(description=f"Suture {n}" if n % 2 else f"Gauze {n}",
                                               status="inactive" if n == 3 else "active"), ERP)
    first = await store.list("item", limit=3)
    assert [r.id for r in first.items] == ["I-0", "I-1", "I-2"] and first.next == "I-2"
    second = await store.list("item", limit=3, after=first.next)
    third = await store.list("item", limit=3, after=second.next)
    assert [r.id for r in second.items] == ["I-3", "I-4", "I-5"] and [r.id for r in third.items] == ["I-6"]
    assert third.next is None
    assert [r.id for r in (await store.list("item", text="SUTURE")).items] == ["I-1", "I-3", "I-5"]
    assert [r.id for r in (await store.list("item", text="i-4")).items] == ["I-4"]
    assert [r.id for r in (await store.list("item", status="inactive")).items] == ["I-3"]
    assert [r.id for r in (await store.list("item", status="active", text="suture")).items] == ["I-1", "I-5"]


async def test_list_text_treats_wildcards_literally(store: MasterStore) -> None:
    await store.put("item", "A", gauze(description="100% cotton"), ERP)
    await store.put("item", "B", gauze(description="1000 cotton_swabs"), ERP)
    assert [r.id for r in (await store.list("item", text="100%")).items] == ["A"]
    assert [r.id for r in (await store.list("item", text="n_s")).items] == ["B"]


# -- crosswalk (database path) -------------------------------------------------------------------------
async def test_xrefs_resolve_in_both_directions(store: MasterStore) -> None:
    item = await store.put("item", None, gauze(), ERP)
    await store.add_xref("item", item.id, ext("P-100"), system_of_caller="erp", message_id="msg-1")
    await store.add_xref("item", item.id, ext("00312345678906", "GS1", "GTIN"), system_of_caller="erp")
    assert await store.resolve("item", "erp", "product", "P-100") == item.id
    assert await store.resolve("item", "GS1", "GTIN", "00312345678906") == item.id
    assert await store.resolve("item", "erp", "product", "P-999") is None
    assert await store.resolve("vendor", "erp", "product", "P-100") is None
    assert await store.external_value("item", item.id, "erp", "product") == "P-100"
    assert await store.external_value("item", item.id, "ehr", "") is None
    xrefs = await store.xrefs("item", item.id)
    assert [(x.system, x.value, x.created_by_system) for x in xrefs] == [
        ("erp", "P-100", "erp"), ("GS1", "00312345678906", "erp")]
    assert xrefs[0].message_id == "msg-1" and xrefs[0].external_id() == ext("P-100")


async def test_a_conflicting_claim_is_refused_and_its_exception_is_committed(store: MasterStore) -> None:
    a = await store.put("item", None, gauze(), ERP)
    b = await store.put("item", None, gauze(description="Other"), ERP)
    await store.add_xref("item", a.id, ext("P-100"), system_of_caller="erp")
    with pytest.raises(XrefConflict) as caught:
        await store.add_xref("item", b.id, ext("P-100"), system_of_caller="procurement", message_id="msg-7")
    err = caught.value
    assert isinstance(err, RejectedInput)
    assert (err.claimed_by, err.canonical_id, err.value) == (a.id, b.id, "P-100")
    assert "P-100" not in str(err) and a.id in str(err)
    assert await store.resolve("item", "erp", "product", "P-100") == a.id
    assert await store.xrefs("item", b.id) == []
    page = await store.exceptions(state="open", type="xref_conflict")
    assert [e.id for e in page.items] == [err.exception_id]
    found = page.items[0]
    assert (found.subject_kind, found.subject_id) == ("item", b.id)
    assert found.detail == {"system": "erp", "namespace": "product", "value": "P-100", "claimed_by": a.id,
                            "refused_for": b.id, "requested_by": "procurement", "message_id": "msg-7"}


async def test_the_same_conflict_again_counts_on_the_open_exception(store: MasterStore) -> None:
    a = await store.put("item", None, gauze(), ERP)
    b = await store.put("item", None, gauze(description="Other"), ERP)
    await store.add_xref("item", a.id, ext("P-100"), system_of_caller="erp")
    ids = set()
    for _ in range(3):
        with pytest.raises(XrefConflict) as caught:
            await store.add_xref("item", b.id, ext("P-100"), system_of_caller="erp")
        ids.add(caught.value.exception_id)
    assert len(ids) == 1
    found = await store.exception(ids.pop())
    assert found is not None and found.occurrences == 3
    await store.resolve_exception(found.id, "alice", "kept on item A")
    with pytest.raises(XrefConflict) as again:
        await store.add_xref("item", b.id, ext("P-100"), system_of_caller="erp")
    assert again.value.exception_id != found.id  # resolved entries are not reopened: a new one


async def test_concurrent_claims_on_one_id_let_exactly_one_win(store: MasterStore) -> None:
    records = [await store.put("item", f"I-{n}", gauze(description=f"n{n}"), ERP) for n in range(5)]
    results = await asyncio.gather(*(store.add_xref("item", r.id, ext("P-1"), system_of_caller="erp")
                                     for r in records), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, XrefConflict) for r in results if r not in winners)
    assert await store.resolve("item", "erp", "product", "P-1") == winners[0].canonical_id


async def test_claiming_again_is_a_no_op_and_new_dates_keep_the_old_claim_as_history(store: MasterStore) -> None:
    item = await store.put("item", None, gauze(), ERP)
    first = await store.add_xref("item", item.id, ext("P-1"), system_of_caller="erp")
    assert await store.add_xref("item", item.id, ext("P-1"), system_of_caller="erp") == first
    dated = await store.add_xref("item", item.id, ext("P-1", valid_to=date(2024, 12, 31)), system_of_caller="erp")
    assert dated.id != first.id and dated.valid_to == date(2024, 12, 31)
    every = await store.xrefs("item", item.id, include_retired=True)
    assert [(x.active, x.valid_to, x.reason) for x in every] == [(False, None, "validity changed"),
                                                                 (True, date(2024, 12, 31), "")]


async def test_retiring_a_claim_keeps_it_as_history_and_frees_the_id(store: MasterStore) -> None:
    a = await store.put("item", None, gauze(), ERP)
    b = await store.put("item", None, gauze(description="Other"), ERP)
    await store.add_xref("item", a.id, ext("P-1"), system_of_caller="erp")
    assert await store.retire_xref("item", b.id, ext("P-1"), system_of_caller="erp") is None  # b holds none
    retired = await store.retire_xref("item", a.id, ext("P-1"), system_of_caller="mdm", reason="wrong item")
    assert retired is not None and not retired.active and retired.retired_by_system == "mdm"
    assert await store.resolve("item", "erp", "product", "P-1") is None
    await store.add_xref("item", b.id, ext("P-1"), system_of_caller="erp")
    assert await store.resolve("item", "erp", "product", "P-1") == b.id
    history = await store.xrefs("item", a.id, include_retired=True)
    assert [(x.value, x.active, x.reason) for x in history] == [("P-1", False, "wrong item")]


async def test_resolve_honours_validity_dates_inclusively(store: MasterStore) -> None:
    item = await store.put("item", None, gauze(), ERP)
    await store.add_xref("item", item.id, ext("P-1", valid_from=date(2024, 1, 1), valid_to=date(2024, 6, 30)),
                         system_of_caller="erp")
    on = {d: await store.resolve("item", "erp", "product", "P-1", on=d)
          for d in (date(2023, 12, 31), date(2024, 1, 1), date(2024, 6, 30), date(2024, 7, 1))}
    assert on == {date(2023, 12, 31): None, date(2024, 1, 1): item.id, date(2024, 6, 30): item.id,
                  date(2024, 7, 1): None}
    assert await store.resolve("item", "erp", "product", "P-1") == item.id  # no date: any active claim
    assert await store.external_value("item", item.id, "erp", "product", on=date(2024, 7, 1)) is None


async def test_claims_for_a_missing_record_are_refused(store: MasterStore) -> None:
    with pytest.raises(NotFound):
        await store.add_xref("item", "item-404", ext("P-1"), system_of_caller="erp")
    assert await store.resolve("item", "erp", "product", "P-1") is None


async def test_resolve_many_finds_each_claimed_key(store: MasterStore) -> None:
    a = await store.put("item", None, gauze(), ERP)
    await store.add_xref("item", a.id, ext("P-1"), system_of_caller="erp")
    await store.add_xref("item", a.id, ext("P-1", system="ehr"), system_of_caller="ehr")
    found = await store.resolve_many("item", [("erp", "product", "P-1"), ("ehr", "product", "P-1"),
                                              ("erp", "", "P-1"), ("erp", "product", "P-2")])
    assert found == {("erp", "product", "P-1"): a.id, ("ehr", "product", "P-1"): a.id}


# -- bulk --------------------------------------------------------------------------------------------
async def test_bulk_put_creates_updates_and_leaves_equal_rows_unchanged(store: MasterStore) -> None:
    existing = await store.put("item", "GZ-1", gauze(), ERP)
    rows: list[BulkRow] = [(None, {"description": f"Item {n}"}, [ext(f"P-{n}"), ext(f"0000000000000{n}", "GS1",
                                                                                   "GTIN")]) for n in range(5)]
    rows += [("GZ-1", gauze(price="2.00"), []), ("NEW-1", {"description": "Chosen id"}, [])]
    result = await store.bulk_put("item", rows, Provenance(system="erp", message_id="batch-1"), batch_size=3)
    assert result.outcomes == ["created"] * 5 + ["updated", "created"]
    assert result.errors == []
    assert result.ids[:5] == [f"item-00000{n}" for n in range(1, 6)] and result.ids[5:] == ["GZ-1", "NEW-1"]
    assert await store.resolve("item", "GS1", "GTIN", "00000000000003") == "item-000004"
    updated = await store.get("item", "GZ-1")
    assert updated is not None and updated.version == existing.version + 1
    assert updated.provenance.message_id == "batch-1"
    again = await store.bulk_put("item", [(i, r[1], r[2]) for i, r in zip(result.ids, rows, strict=True)], ERP)
    assert again.outcomes == ["unchanged"] * 7


async def test_bulk_put_writes_thousands_per_transaction(store: MasterStore, journal: Journal) -> None:
    rows: list[BulkRow] = [(None, {"description": f"n{n}"}, [ext(f"P-{n}")]) for n in range(6000)]
    before, _ = journal.group_commit_stats
    result = await store.bulk_put("item", rows, ERP, batch_size=3000)  # past the PostgreSQL re-ANALYZE threshold
    after, _ = journal.group_commit_stats
    assert result.count("created") == 6000 and after - before == 2
    assert await store.resolve("item", "erp", "product", "P-5999") == result.ids[-1] == "item-006000"


async def test_bulk_put_refuses_bad_and_conflicting_rows_and_keeps_the_good_ones(store: MasterStore) -> None:
    holder = await store.put("item", "HOLD", gauze(), ERP)
    await store.add_xref("item", holder.id, ext("P-TAKEN"), system_of_caller="erp")
    rows = [
        (None, {"description": "ok 1"}, [ext("P-1")]),
        (None, {"description": "bad price", "price": "lots"}, [ext("P-2")]),
        (None, {"description": "takes a held id"}, [ext("P-3"), ext("P-TAKEN")]),
        (None, {"description": "repeats row 0's id"}, [ext("P-1")]),
        ("bad id!", {"description": "x"}, []),
        ("HOLD", {"description": "first"}, []),
        ("HOLD", {"description": "second"}, []),
        (None, {"description": "ok 2"}, [ext("P-4")]),
    ]
    result = await store.bulk_put("item", rows, ERP)
    assert result.outcomes == ["created", "refused", "refused", "refused", "refused", "updated", "refused",
                               "created"]
    assert [(i, f) for i, f, _ in result.errors] == [(1, "price"), (2, "xref:erp:product"), (3, "xref:erp:product"),
                                                    (4, "id"), (6, "id")]
    assert "lots" not in str(result.errors)
    assert await store.resolve("item", "erp", "product", "P-3") is None  # nothing of a refused row is written
    assert len(result.exception_ids) == 2
    conflicts = await store.exceptions(type="xref_conflict")
    assert {e.detail["value"] for e in conflicts.items} == {"P-TAKEN", "P-1"}
    ids = [r.id for r in (await store.list("item")).items]
    assert ids == ["HOLD", "item-000001", "item-000004"]  # refused rows may leave gaps in the generated ids


async def test_bulk_put_with_merge_keeps_fields_the_rows_do_not_name(store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(manufacturer="Acme", gl_account="6100"), ERP)
    result = await store.bulk_put("item", [("GZ-1", {"price": "5.00"}, [])], ERP, merge=True)
    assert result.outcomes == ["updated"]
    current = await store.get("item", "GZ-1")
    assert current is not None
    assert (current.data["manufacturer"], current.data["gl_account"], current.data["price"]) == ("Acme", "6100",
                                                                                                 "5.00")


async def test_bulk_put_adding_only_external_ids_updates_without_a_new_version(store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(), ERP)
    result = await store.bulk_put("item", [("GZ-1", gauze(), [ext("P-1")])], ERP)
    assert result.outcomes == ["updated"]
    assert len(await store.history("item", "GZ-1")) == 1
    assert await store.resolve("item", "erp", "product", "P-1") == "GZ-1"


async def test_bulk_add_xrefs_reports_each_row(store: MasterStore) -> None:
    await store.put("item", "A", gauze(), ERP)
    await store.put("vendor", "V", {"name": "Acme"}, ERP)
    await store.add_xref("item", "A", ext("P-1"), system_of_caller="erp")
    rows = [("item", "A", ext("P-1")), ("item", "A", ext("P-2")), ("vendor", "V", ext("P-1")),
            ("item", "MISSING", ext("P-3")), ("vendor", "V", ext("P-2")), ("item", "A", ext("P-1", valid_to=TODAY))]
    outcomes = await store.bulk_add_xrefs(rows, system_of_caller="erp")
    assert [o.status for o in outcomes] == ["unchanged", "added", "added", "missing", "added", "updated"]
    assert await store.resolve("vendor", "erp", "product", "P-2") == "V"  # another kind: no conflict
    more = await store.bulk_add_xrefs([("vendor", "V", ext("P-9")), ("vendor", "W", ext("P-9"))],
                                      system_of_caller="erp")
    assert [o.status for o in more] == ["added", "missing"]


# -- observations ---------------------------------------------------------------------------------------
async def test_observations_keep_each_systems_latest_report_next_to_the_current_version(store: MasterStore) -> None:
    for n in range(3):
        await store.put("item", f"I-{n}", gauze(), ERP)
    await store.observe("item", "I-0", "erp", {"price": "1.20"}, "m1")
    await store.observe("item", "I-0", "erp", {"price": "1.25"}, "m2")
    await store.observe("item", "I-0", "ehr", {"charge_code": "C1"}, "m3")
    await store.observe("item", "I-2", "ehr", {"price": "9"}, "m4")
    await store.observe("item", "I-1", "other", {"price": "9"}, "m5")
    page = await store.observations("item", ("erp", "ehr"), limit=1)
    assert [s.canonical_id for s in page.items] == ["I-0"] and page.next == "I-0"
    first = page.items[0]
    assert first.current is not None and first.current.data["price"] == "1.20"
    assert {k: (o.data, o.message_id) for k, o in first.observed.items()} == {
        "erp": ({"price": "1.25"}, "m2"), "ehr": ({"charge_code": "C1"}, "m3")}
    rest = await store.observations("item", ("erp", "ehr"), after=page.next)
    assert [s.canonical_id for s in rest.items] == ["I-2"] and rest.next is None
    every = [s.canonical_id async for s in store.iter_observations("item", ("erp", "ehr", "other"))]
    assert every == ["I-0", "I-1", "I-2"]


# -- change requests -------------------------------------------------------------------------------------
async def test_an_approved_change_request_becomes_a_version_with_the_requesters_provenance(
        store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(), ERP)
    cr = await store.add_change_request("item", "GZ-1", "ehr", {"price": ["1.20", "1.50"]}, message_id="m9")
    assert cr.state == "open" and cr.diff == {"price": ["1.20", "1.50"]}
    assert [c.id for c in (await store.change_requests(state="open", kind="item")).items] == [cr.id]
    done = await store.decide_change_request(cr.id, True, "alice", "price list 2024")
    assert (done.state, done.decided_by, done.reason, done.applied_version) == ("applied", "alice",
                                                                               "price list 2024", 2)
    current = await store.get("item", "GZ-1")
    assert current is not None and current.data["price"] == "1.50"
    assert (current.provenance.system, current.provenance.message_id) == ("ehr", "m9")
    assert "alice" in current.provenance.note
    with pytest.raises(RejectedInput, match="already applied"):
        await store.decide_change_request(cr.id, False, "bob")
    assert (await store.change_requests(state="open")).items == []


async def test_rejected_and_approved_only_change_requests_leave_the_record_alone(store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(), ERP)
    no = await store.add_change_request("item", "GZ-1", "ehr", {"price": ["1.20", "0.10"]})
    later = await store.add_change_request("item", "GZ-1", "ehr", {"description": ["Gauze 4x4", "Gauze"]})
    assert (await store.decide_change_request(no.id, False, "bob", "too cheap")).state == "rejected"
    assert (await store.decide_change_request(later.id, True, "bob", apply=False)).state == "approved"
    assert len(await store.history("item", "GZ-1")) == 1
    assert [c.state for c in (await store.change_requests(canonical_id="GZ-1")).items] == ["rejected", "approved"]


async def test_change_requests_are_checked(store: MasterStore) -> None:
    await store.put("item", "GZ-1", gauze(), ERP)
    with pytest.raises(RejectedInput, match="unknown field"):
        await store.add_change_request("item", "GZ-1", "ehr", {"colour": [None, "red"]})
    with pytest.raises(RejectedInput, match=r"\[old, new\]"):
        await store.add_change_request("item", "GZ-1", "ehr", {"price": "2"})
    with pytest.raises(NotFound):
        await store.add_change_request("item", "GZ-404", "ehr", {"price": ["1", "2"]})
    with pytest.raises(NotFound):
        await store.decide_change_request(404, True, "alice")
    bad = await store.add_change_request("item", "GZ-1", "ehr", {"price": ["1.20", "-5"]})
    with pytest.raises(RejectedInput, match="price"):
        await store.decide_change_request(bad.id, True, "alice")
    still = await store.change_request(bad.id)
    assert still is not None and still.state == "open"


# -- exceptions worklist ---------------------------------------------------------------------------------
async def test_exceptions_are_raised_listed_by_state_and_type_and_resolved_once(store: MasterStore) -> None:
    a = await store.raise_exception("unmatched_item", "item", None, {"line": 3, "gtin": "0001"})
    b = await store.raise_exception("substitution_refused", "item", "GZ-1", {"substitute": "GZ-2"})
    c = await store.raise_exception("unmatched_item", "item", None, {"line": 4}, dedup_key="case-9:line-4")
    assert await store.raise_exception("unmatched_item", "item", None, {"line": 4}, dedup_key="case-9:line-4") == c
    assert [e.id for e in (await store.exceptions(type="unmatched_item")).items] == [a, c]
    assert [e.id for e in (await store.exceptions(subject_kind="item", subject_id="GZ-1")).items] == [b]
    page = await store.exceptions(limit=2)
    assert [e.id for e in page.items] == [a, b] and page.next == b
    done = await store.resolve_exception(a, "alice", "item created")
    assert (done.state, done.resolved_by, done.resolution) == ("resolved", "alice", "item created")
    assert done.resolved_at is not None
    assert [e.id for e in (await store.exceptions(state="open")).items] == [b, c]
    with pytest.raises(RejectedInput, match="already resolved"):
        await store.resolve_exception(a, "bob", "again")
    with pytest.raises(NotFound):
        await store.resolve_exception(9999, "bob", "x")
    found = await store.exception(c)
    assert found is not None and found.occurrences == 2 and found.detail == {"line": 4}
