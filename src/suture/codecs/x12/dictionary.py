"""What the codec knows about transaction sets: their functional group, beginning segment, and the
segments they may hold.

The segment lists are the union of the 004010..006020 standard tables for each set, not any partner's
implementation guide; finding a segment outside its set's list is only *noted* in a 997/999 (AK5*E), so a
gap here never rejects a partner's document. Sets not listed are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SetInfo:
    """One transaction set: GS01 code, beginning segment (mandatory right after ST), its mandatory elements
    and which of them hold dates/times, and every segment id the set may hold (ST/SE included)."""

    functional_id: str
    beginning: str
    mandatory: tuple[int, ...]
    dates: tuple[int, ...]
    times: tuple[int, ...]
    segments: frozenset[str]


def _ids(text: str) -> frozenset[str]:
    return frozenset(text.split()) | {"ST", "SE"}


_PARTY = "N1 N2 N3 N4 NX2 REF PER SI FOB TD1 TD5 TD3 TD4 PKG QTY"
_ORDER_HEADER = (
    "CUR REF PER TAX FOB CTP PAM CSH TC2 SAC ITD DIS INC DTM LDT LIN SI PID MEA PWK PKG TD1 TD5 TD3 TD4 MAN PCT CTB "
    "TXI AMT N9 MSG MTX N1 N2 N3 N4 NX2 QTY SPI ADV CB1 G61 G62 LM LQ LS LE FA1 FA2 YNQ NTE"
)
_ORDER_DETAIL = (
    "PO1 LIN SI CUR CN1 PO3 CTP PAM MEA PID PWK PO4 REF PER SAC IT8 CSH ITD DIS INC TAX FOB SDQ IT3 DTM TC2 TD1 TD5 "
    "TD3 TD4 PCT MAN MSG SPI TXI CTB QTY SCH LDT LE LM LQ SLN N9 N1 N2 N3 N4 NX2 FST AMT HL GF USD"
)

SETS: dict[str, SetInfo] = {
    "850": SetInfo("PO", "BEG", (1, 2, 3, 5), (5,), (), _ids(f"BEG {_ORDER_HEADER} {_ORDER_DETAIL} CTT {_PARTY}")),
    "855": SetInfo("PR", "BAK", (1, 2, 3, 4), (4,), (), _ids(f"BAK {_ORDER_HEADER} {_ORDER_DETAIL} ACK CTT")),
    "860": SetInfo("PC", "BCH", (1, 2, 3), (), (), _ids(f"BCH {_ORDER_HEADER} {_ORDER_DETAIL} POC ACK CTT")),
    "865": SetInfo("CA", "BCA", (1, 2, 3), (), (), _ids(f"BCA {_ORDER_HEADER} {_ORDER_DETAIL} POC ACK CTT")),
    "856": SetInfo(
        "SH",
        "BSN",
        (1, 2, 3, 4),
        (3,),
        (4,),
        _ids(
            "BSN DTM HL LIN SN1 SLN PRF PO4 PID MEA PWK PKG TD1 TD5 TD3 TD4 TSD REF PER MAN DLD N1 N2 N3 N4 NX2 "
            "SAC CUR ITD FOB SHP CLD LH1 LH2 LH3 LFH LEP UNA LH4 LHT LHR PAL V1 YNQ NTE QTY CTT LM LQ LS LE"
        ),
    ),
    "810": SetInfo(
        "IN",
        "BIG",
        (1, 2),
        (1,),
        (),
        _ids(
            "BIG NTE CUR REF YNQ PER N1 N2 N3 N4 NX2 ITD DTM FOB PID MEA PWK PKG L7 BAL INC PAM LM LQ N9 MSG MTX "
            "V1 R4 IT1 CRC QTY IT3 TXI CTP PO4 IT8 SAC SLN SI TC2 SDQ ADV TDS CAD AMT ISS CTT LIN DMG"
        ),
    ),
    "832": SetInfo(
        "SC",
        "BCT",
        (1,),
        (),
        (),
        _ids(
            "BCT DTM REF PER N1 N2 N3 N4 NX2 CUR CTP PID LIN SLN PO4 MEA PWK PKG TD1 TD5 TD3 TD4 MAN SAC G43 G39 "
            "G53 LDT QTY FOB ITD TC2 PRT SRV MSG MTX AMT YNQ NTE LM LQ LS LE ADV DIS PCT CTB SPI SI TAX CTT"
        ),
    ),
    "997": SetInfo("FA", "AK1", (1, 2), (), (), _ids("AK1 AK2 AK3 AK4 AK5 AK9")),
    "999": SetInfo("FA", "AK1", (1, 2), (), (), _ids("AK1 AK2 IK3 CTX IK4 IK5 AK9")),
}

# GS01 of sets whose content this codec does not check, so that a misfiled set is still noticed.
FUNCTIONAL_IDS: dict[str, str] = {
    **{set_id: info.functional_id for set_id, info in SETS.items()},
    "820": "RA",
    "824": "AG",
    "846": "IB",
    "852": "PD",
    "867": "PT",
    "270": "HS",
    "271": "HB",
    "276": "HR",
    "277": "HN",
    "278": "HI",
    "834": "BE",
    "835": "HP",
    "837": "HC",
}
