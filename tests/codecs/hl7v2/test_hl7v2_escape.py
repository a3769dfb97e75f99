"""escape()/unescape(): delimiter escapes, hex, line breaks, custom encoding characters, pass-through."""

from __future__ import annotations

import pytest

from suture.codecs.hl7v2 import Separators, escape, parse, unescape

DEFAULT = Separators()
CUSTOM = Separators("#", "$", "%", "*", "@", None)
TRUNCATING = Separators(truncation="#")


@pytest.mark.parametrize(
    ("plain", "escaped"),
    [
        ("a|b", "a\\F\\b"),
        ("a^b", "a\\S\\b"),
        ("a&b", "a\\T\\b"),
        ("a~b", "a\\R\\b"),
        ("a\\b", "a\\E\\b"),
        ("line 1\nline 2", "line 1\\.br\\line 2"),
        ("cr\ronly", "cr\\X0D\\only"),
        ("plain text", "plain text"),
        ("", ""),
    ],
)
def test_escape_and_unescape_are_inverse_with_default_separators(plain: str, escaped: str) -> None:
    assert escape(plain, DEFAULT) == escaped
    assert unescape(escaped, DEFAULT) == plain


def test_custom_encoding_characters_escape_with_their_own_escape_character() -> None:
    assert escape("a#b$c%d@e*f|^~\\&", CUSTOM) == "a*F*b*S*c*R*d*T*e*E*f|^~\\&"
    assert unescape("a*F*b*S*c*R*d*T*e*E*f|^~\\&", CUSTOM) == "a#b$c%d@e*f|^~\\&"
    assert unescape("\\F\\", CUSTOM) == "\\F\\"


def test_truncation_character_is_escaped_as_p_when_declared() -> None:
    assert escape("a#b", TRUNCATING) == "a\\P\\b"
    assert unescape("a\\P\\b", TRUNCATING) == "a#b"
    assert escape("a#b", DEFAULT) == "a#b"


@pytest.mark.parametrize(
    ("escaped", "charset", "plain"),
    [
        ("\\X41\\", "utf-8", "A"),
        ("\\X0D0A\\", "utf-8", "\r\n"),
        ("caf\\XC3A9\\", "utf-8", "café"),
        ("caf\\XE9\\", "latin-1", "café"),
        ("\\Xc3a9\\", "utf-8", "é"),
    ],
)
def test_hex_escapes_decode_in_the_message_charset(escaped: str, charset: str, plain: str) -> None:
    assert unescape(escaped, DEFAULT, charset) == plain


@pytest.mark.parametrize(
    "kept",
    [
        "\\H\\bold\\N\\",
        "a\\.sp\\b",
        "\\.in+4\\",
        "\\Zlocal\\",
        "\\C2842\\",
        "\\XE9\\",
        "\\XZZ\\",
        "\\X\\",
        "unclosed \\F",
        "C:\\",
        "\\\\",
    ],
)
def test_other_or_malformed_sequences_pass_through_unchanged(kept: str) -> None:
    assert unescape(kept, DEFAULT, "utf-8") == kept


def test_message_get_decodes_hex_in_the_message_charset() -> None:
    msg = parse(b"MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5||||||8859/1\rPID|1||1||M\\XDC\\LLER\r")
    assert msg.get("PID-5") == "MÜLLER"


def test_message_get_uses_the_message_escape_character() -> None:
    msg = parse(b"MSH|^~!&|A|B|C|D|2024||ADT^A01|1|P|2.5\rNTE|1||a!F!b!.br!c\\F\\\r")
    assert msg.get("NTE-3") == "a|b\nc\\F\\"
