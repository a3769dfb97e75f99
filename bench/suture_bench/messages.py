"""A realistic ~1.2 KB HL7 v2.5.1 ADT^A01 with a unique MSH-10 per message.

The template is cut once around MSH-10 and PID-3.1, so building a message in the sender's hot loop is a
few byte concatenations and does not weigh on the client's CPU (it shares the machine with the engine).
"""

from __future__ import annotations

SEGMENTS = (
    "MSH|^~\\&|EPIC|NORTHSIDE_HOSP|SUTURE|NORTHSIDE_HOSP|20250314101530||ADT^A01^ADT_A01|{cid}|P|2.5.1",
    "EVN|A01|20250314101530|||JSMITH^SMITH^JANE^^^^^^NORTHSIDE_HOSP^L^^^EI|20250314101500",
    "PID|1||{mrn}^^^NORTHSIDE_HOSP^MR~999456789^^^USSSA^SS||DOE^JOHN^QUINCY^JR^^^L||19640723|M||"
    "2106-3^White^CDCREC|1234 ELM STREET^APT 5B^SPRINGFIELD^IL^62704^USA^H||^PRN^PH^^1^217^5551234~"
    "^NET^Internet^john.doe@example.org|^WPN^PH^^1^217^5559876|ENG^English^ISO639|M^Married^HL70002|"
    "CHR^Christian^HL70006|A{mrn}^^^NORTHSIDE_HOSP^AN|||||N^Not Hispanic or Latino^HL70189",
    "NK1|1|DOE^JANE^M|SPO^Spouse^HL70063|1234 ELM STREET^APT 5B^SPRINGFIELD^IL^62704^USA|^PRN^PH^^1^217^5551235"
    "||EC^Emergency Contact^HL70131",
    "PV1|1|I|4EAST^412^B^NORTHSIDE_HOSP^^^^4EAST||||1234567890^WELBY^MARCUS^A^^DR^MD^^^^^^NPI|"
    "2345678901^CASEY^BEN^^^DR^MD^^^^^^NPI||MED||||7||||IN|V{mrn}|BCBS"
    "||||||||||||||||||NORTHSIDE_HOSP||ADM|||20250314100000",
    "PV2|||R07.9^Chest pain^I10",
    "AL1|1|DA|70618^Penicillin^RXNORM|SV|Hives",
    "DG1|1||R07.9^Chest pain, unspecified^I10||20250314100000|A",
    "IN1|1|BCBSIL01^Blue Cross PPO|60054^BCBS|BLUE CROSS BLUE SHIELD OF ILLINOIS^^PO BOX 805107^CHICAGO^IL^60680"
    "||||GRP12345|ACME CORP|||20250101|20251231|||DOE^JOHN^QUINCY^JR|SEL^Self^HL70063",
)
TEMPLATE = "\r".join(SEGMENTS) + "\r"
# The e2e route's transform sets MSH-5 to this; the HTTP receiver checks it arrived.
TRANSFORMED_MSH5 = b"|SUTURE-ERP|"


class MessageFactory:
    """``make(seq)`` -> bytes: the ADT^A01 with MSH-10 ``<prefix><seq>`` and a patient id from a pool.

    >>> m = MessageFactory("T01").make(7)
    >>> b"|T0100000007|" in m and 1100 < len(m) < 1300
    True
    """

    def __init__(self, prefix: str, patients: int = 5000) -> None:
        if len(prefix) > 12:
            raise ValueError("MSH-10 holds 20 characters: keep the prefix to 12")
        self.prefix = prefix
        self.patients = patients
        head, rest = TEMPLATE.split("{cid}", 1)
        self._head = head.encode()
        self._parts = [p.encode() for p in rest.split("{mrn}")]

    def make(self, seq: int) -> bytes:
        mrn = b"%d" % (100000 + seq % self.patients)
        out = [self._head, b"%s%08d" % (self.prefix.encode(), seq), self._parts[0]]
        for part in self._parts[1:]:
            out.append(mrn)
            out.append(part)
        return b"".join(out)


def ack_code(ack: bytes) -> str:
    """MSA-1 of an ACK (``""`` when there is no MSA segment)."""
    i = ack.find(b"MSA|")
    if i < 0:
        return ""
    return ack[i + 4 : i + 6].decode("ascii", "replace")


def fixed_ack() -> bytes:
    """A constant ACK for the bare echo baseline (same shape and size as Suture's)."""
    return (
        b"MSH|^~\\&|SUTURE|NORTHSIDE_HOSP|EPIC|NORTHSIDE_HOSP|20250314101530+0000||ACK^A01^ACK|S1a2b3c4d|P|2.5.1\r"
        b"MSA|AA|B000000000001\r"
    )
