"""HL7 v2 escape sequences (chapter 2.7): \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\P\\ \\Xhh..\\ and \\.br\\.

Choices:

* ``\\.br\\`` unescapes to ``"\\n"`` and ``escape`` writes ``"\\n"`` as ``\\.br\\`` (python-hl7 uses ``"\\r"``;
  a bare CR is written ``\\X0D\\``), so a value never carries a raw segment terminator into a message.
* Other formatting sequences (``\\.sp\\``, ``\\.in\\``, ``\\H\\``, ``\\N\\`` ...), locally defined ``\\Z..\\``,
  character-set switches and malformed sequences (no closing escape, bad hex) pass through unchanged.
* ``\\Xhh..\\`` decodes the bytes in the message's character set; when they are not valid there the
  sequence passes through unchanged.
"""

from __future__ import annotations

from .separators import DEFAULT_SEPARATORS, Separators

_Tables = tuple[dict[int, str], dict[str, str], frozenset[str]]
_CACHE: dict[Separators, _Tables] = {}


def _tables(seps: Separators) -> _Tables:
    tables = _CACHE.get(seps)
    if tables is None:
        esc = seps.escape
        decode = {
            "F": seps.field,
            "S": seps.component,
            "R": seps.repetition,
            "T": seps.subcomponent,
            "E": esc,
            ".br": "\n",
        }
        if seps.truncation is not None:
            decode["P"] = seps.truncation
        encode = {ord(char): f"{esc}{code}{esc}" for code, char in decode.items() if code != "E"}
        encode[ord("\n")] = f"{esc}.br{esc}"
        encode[ord("\r")] = f"{esc}X0D{esc}"
        encode[ord(esc)] = f"{esc}E{esc}"  # last: the escape character may coincide with another
        tables = (encode, decode, frozenset(chr(c) for c in encode))
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[seps] = tables
    return tables


def escape(value: str, separators: Separators = DEFAULT_SEPARATORS) -> str:
    """Write ``value`` so it can sit inside one field, component or subcomponent.

    >>> escape("A|B^C&D~E\\\\F")
    'A\\\\F\\\\B\\\\S\\\\C\\\\T\\\\D\\\\R\\\\E\\\\E\\\\F'
    """
    encode, _, specials = _tables(separators)
    if specials.isdisjoint(value):
        return value
    return value.translate(encode)


def unescape(value: str, separators: Separators = DEFAULT_SEPARATORS, charset: str = "utf-8") -> str:
    """Decode the escape sequences in ``value`` (a leaf value, or a field whose delimiters stay as they are).

    >>> unescape("Na\\\\S\\\\Cl \\\\X4E61\\\\\\\\.br\\\\x")
    'Na^Cl Na\\nx'
    """
    esc = separators.escape
    if esc not in value:
        return value
    _, decode, _ = _tables(separators)
    out: list[str] = []
    start = 0
    while True:
        opening = value.find(esc, start)
        closing = value.find(esc, opening + 1) if opening >= 0 else -1
        if closing < 0:
            out.append(value[start:])
            return "".join(out)
        out.append(value[start:opening])
        code = value[opening + 1 : closing]
        plain = decode.get(code)
        if plain is None and code[:1] == "X":
            plain = _hex(code[1:], charset)
        out.append(value[opening : closing + 1] if plain is None else plain)
        start = closing + 1


def _hex(digits: str, charset: str) -> str | None:
    try:
        return bytes.fromhex(digits).decode(charset) if digits else None
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None
