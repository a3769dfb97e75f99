"""One segment: a line of text whose fields are split on first access and cached."""

from __future__ import annotations

from .separators import Separators


class Segment:
    """A segment of a parsed message. Values returned here are raw (still escaped).

    MSH is numbered as the standard numbers it: MSH-1 is the field separator, MSH-2 the encoding characters.

    >>> from .separators import Separators
    >>> seg = Segment("PID|1||123^^^H~456", Separators(), 2)
    >>> seg.value(3, 2, 1), seg.field(3)
    ('456', '123^^^H~456')
    """

    __slots__ = ("_fields", "_line", "_seps", "index", "name")

    def __init__(self, line: str, separators: Separators, index: int) -> None:
        self._line = line
        self._seps = separators
        self._fields: list[str] | None = None
        self.name = line[:3]
        self.index = index  # 1-based position in the message

    def __repr__(self) -> str:  # never the content: it may be PHI
        return f"<Segment {self.name} #{self.index}>"

    def __str__(self) -> str:
        return self._line

    @property
    def line(self) -> str:
        """The segment's text, without terminator."""
        return self._line

    @property
    def field_count(self) -> int:
        """Number of the last field present (trailing empty fields included)."""
        return len(self._fields or self._split()) - 1

    def _split(self) -> list[str]:
        fields = self._line.split(self._seps.field)
        if self.name == "MSH":
            fields.insert(1, self._seps.field)  # so that MSH-n is fields[n], as for every other segment
        self._fields = fields
        return fields

    def field(self, number: int) -> str:
        """The whole raw field (all repetitions); "" when absent."""
        fields = self._fields or self._split()
        return fields[number] if 0 < number < len(fields) else ""

    def repetitions(self, number: int) -> list[str]:
        """The raw repetitions of a field; [] when the field is absent or empty."""
        value = self.field(number)
        if not value:
            return []
        if self.name == "MSH" and number <= 2:
            return [value]
        return value.split(self._seps.repetition)

    def value(
        self, field: int, repetition: int = 1, component: int | None = None, subcomponent: int | None = None
    ) -> str | None:
        """Raw value at a position; None when it is not present. Component None = the whole repetition."""
        fields = self._fields or self._split()
        if field >= len(fields):
            return None
        value: str | None = fields[field]
        if self.name == "MSH" and field <= 2:  # delimiters: no inner structure
            return value if repetition == 1 and (component or 1) == 1 and (subcomponent or 1) == 1 else None
        seps = self._seps
        value = _nth(fields[field], seps.repetition, repetition)
        if value is None or component is None:
            return value
        value = _nth(value, seps.component, component)
        if value is None or subcomponent is None:
            return value
        return _nth(value, seps.subcomponent, subcomponent)

    def _assign(self, field: int, repetition: int, component: int | None, subcomponent: int | None, value: str) -> str:
        """Write an already escaped ``value``, creating what is missing; return the new line."""
        seps = self._seps
        fields = list(self._fields or self._split())
        fields.extend([""] * (field + 1 - len(fields)))
        reps = _parts(fields[field], seps.repetition, repetition)
        if component is None:
            reps[repetition - 1] = value
        else:
            comps = _parts(reps[repetition - 1], seps.component, component)
            if subcomponent is None:
                comps[component - 1] = value
            else:
                subs = _parts(comps[component - 1], seps.subcomponent, subcomponent)
                subs[subcomponent - 1] = value
                comps[component - 1] = seps.subcomponent.join(subs)
            reps[repetition - 1] = seps.component.join(comps)
        fields[field] = seps.repetition.join(reps)
        self._fields = fields
        written = [fields[0], *fields[2:]] if self.name == "MSH" else fields
        self._line = seps.field.join(written)
        return self._line


def _nth(text: str, separator: str, n: int) -> str | None:
    """The n-th (1-based) part of ``text`` split on ``separator``, splitting no further than needed."""
    if n == 1:
        end = text.find(separator)
        return text if end < 0 else text[:end]
    parts = text.split(separator, n)
    return parts[n - 1] if len(parts) >= n else None


def _parts(text: str, separator: str, at_least: int) -> list[str]:
    parts = text.split(separator)
    parts.extend([""] * (at_least - len(parts)))
    return parts
