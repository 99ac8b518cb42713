"""The ACS AEM Commons process "Synchronize Smart Tags to XMP Metadata Node", as data.

``SyncArguments`` parses the process arguments the same way the process does; ``expected_xmp_node`` builds
exactly the node it writes, so audit and sync compare against (and write) the same thing. The Java rules the
process inherits (``Double.parseDouble``, ``Double.toString``, ``Character.isWhitespace``, Sling's value
conversion) live here too; ``tests/acs`` checks all of it against the released jar running on Oak.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xmpaudit.core.errors import ConfigError

DEFAULT_SEQUENCE_NAME = "dam:predictedTags"
DEFAULT_NAME_PROPERTY = "dam:predictedTagName"
DEFAULT_CONFIDENCE_PROPERTY = "dam:predictedTagConfidence"
SMART_TAGS_NODE = "predictedTags"
ARGUMENT_KEYS = ("sequenceName", "nameProperty", "confidenceProperty", "minimumConfidence")
# the properties the process itself puts on every array item: an argument naming one of them collides
ITEM_FIXED_PROPERTIES = ("jcr:primaryType", "xmpNodeType")

# -- Java's rules ---------------------------------------------------------------------------------------------

# Character.isWhitespace: Unicode space separators except the no-break ones, line/paragraph separators, and
# the ASCII controls TAB..CR and FS..US. U+00A0, U+2007, U+202F and U+0085 are NOT whitespace in Java.
_JAVA_WHITESPACE = frozenset(
    "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008"
    "\u2009\u200a\u2028\u2029\u205f\u3000"
)
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?")
_DECIMAL_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?")
_SPECIAL_FLOAT = re.compile(r"([+-]?)(NaN|Infinity)")


def java_trim(text: str) -> str:
    """``String.trim()``: drops characters <= U+0020 at both ends (and nothing else)."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def is_java_whitespace(char: str) -> bool:
    """``Character.isWhitespace`` for one character."""
    return char in _JAVA_WHITESPACE


def is_blank(text: str | None) -> bool:
    """``StringUtils.isBlank`` (commons-lang): None, empty, or only ``Character.isWhitespace`` characters."""
    return text is None or all(c in _JAVA_WHITESPACE for c in text)


def _java_strip_to_none(text: str) -> str | None:
    stripped = text
    while stripped and stripped[0] in _JAVA_WHITESPACE:
        stripped = stripped[1:]
    while stripped and stripped[-1] in _JAVA_WHITESPACE:
        stripped = stripped[:-1]
    return stripped or None


def parse_java_double(text: str) -> float:
    """``Double.parseDouble``: Java's grammar (``0.5f``, ``1e3D``, hex ``0x1p-1``, ``NaN``, ``Infinity``, leading
    and trailing characters <= U+0020 ignored); ValueError where Java throws NumberFormatException. Python-only
    forms (``0.0_5``, ``inf``, ``nan``, non-ASCII digits) are not numbers."""
    value = java_trim(text)
    special = _SPECIAL_FLOAT.fullmatch(value)
    if special:
        number = math.nan if special.group(2) == "NaN" else math.inf
        return -number if special.group(1) == "-" else number
    if _HEX_FLOAT.fullmatch(value):
        body = value.rstrip("fFdD")
        try:
            return float.fromhex(body)
        except OverflowError:
            return -math.inf if body.startswith("-") else math.inf
    if _DECIMAL_FLOAT.fullmatch(value):
        return float(value.rstrip("fFdD"))
    raise ValueError(f"not a Java double: {text!r}")


def java_double_to_string(value: float) -> str:
    """``Double.toString`` (Java 19+ digits: the shortest that round-trip, at least two significant digits
    considered; plain notation for 1e-3 <= |x| < 1e7, else ``d.dddE<n>``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    shortest = Decimal(repr(magnitude)).normalize()
    if len(shortest.as_tuple().digits) == 1:
        two = Decimal(magnitude).quantize(Decimal(1).scaleb(shortest.adjusted() - 1))
        if float(two) == magnitude:
            shortest = two.normalize()
    parts = shortest.as_tuple()
    digits = "".join(map(str, parts.digits))
    exponent = len(digits) + int(parts.exponent) - 1
    if 1e-3 <= magnitude < 1e7:
        if exponent >= 0:
            whole, fraction = digits[: exponent + 1].ljust(exponent + 1, "0"), digits[exponent + 1 :]
        else:
            whole, fraction = "0", "0" * (-exponent - 1) + digits
        return f"{sign}{whole}.{fraction or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


# -- arguments ------------------------------------------------------------------------------------------------


def _parse_minimum_confidence(raw: object) -> float:
    """As the process does: ``Double.parseDouble``; unparseable or outside 0..1 gives 0.0; NaN stays NaN
    (it passes the range check and then keeps no tag)."""
    return _read_minimum_confidence(raw)[0]


def _read_minimum_confidence(raw: object) -> tuple[float, str]:
    """The value the process uses for ``raw``, and why it is not the number ``raw`` seems to be ('' when it is)."""
    if isinstance(raw, bool):
        return 0.0, ""
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = parse_java_double(str(raw))
        except ValueError:
            return 0.0, f"minimumConfidence={raw!r} is not a number the process reads: it uses 0.0"
    if value < 0 or value > 1:
        return 0.0, f"minimumConfidence={raw} is outside 0..1: the process uses 0.0"
    if value != value:
        return value, f"minimumConfidence={raw} is not a number: the process keeps no tag"
    return value, ""


def minimum_confidence_note(text: str | None) -> str:
    """Why the process would not read PROCESS_ARGS' minimumConfidence as the number it seems to be ('' when it
    does): not a number or outside 0..1 (it uses 0.0), or NaN (it keeps no tag)."""
    raw = argument_map(text).get("minimumConfidence")
    return _read_minimum_confidence(raw)[1] if raw else ""


def _check_name(key: str, value: str) -> str:
    value = java_trim(value)
    if not value or any(c in value for c in "/[]|*") or value in (".", ".."):
        raise ConfigError(f"Process argument {key}={value!r} is not a valid JCR name")
    return value


def _split_non_empty(text: str, separator: str) -> list[str]:
    """commons-lang ``StringUtils.split(text, char)``: adjacent separators count as one, no empty tokens."""
    return [token for token in text.split(separator) if token]


def argument_map(text: str | None) -> dict[str, str]:
    """The key/value map the process builds from PROCESS_ARGS: lines split on ``\\n`` only; a line counts only
    when splitting it on ``=`` (runs of ``=`` merged, empty ends dropped) gives exactly two parts and the key is
    not blank; key and value are ``String.trim``-med; a later line wins."""
    values: dict[str, str] = {}
    for line in _split_non_empty(text or "", "\n"):
        parts = _split_non_empty(line, "=")
        if len(parts) == 2 and _java_strip_to_none(parts[0]) is not None:
            values[java_trim(parts[0])] = java_trim(parts[1])
    return values


def ignored_argument_lines(text: str | None) -> list[str]:
    """Non-blank lines of PROCESS_ARGS the process ignores (not exactly key=value, or an unknown key)."""
    ignored = []
    for line in _split_non_empty(text or "", "\n"):
        if not java_trim(line):
            continue
        parts = _split_non_empty(line, "=")
        if len(parts) != 2 or _java_strip_to_none(parts[0]) is None or java_trim(parts[0]) not in ARGUMENT_KEYS:
            ignored.append(line)
    return ignored


@dataclass(frozen=True)
class SyncArguments:
    """The four arguments of the ACS process (defaults are the process's defaults)."""

    sequence_name: str = DEFAULT_SEQUENCE_NAME
    name_property: str = DEFAULT_NAME_PROPERTY
    confidence_property: str = DEFAULT_CONFIDENCE_PROPERTY
    minimum_confidence: float = 0.0

    def __post_init__(self) -> None:
        for key, attr in zip(ARGUMENT_KEYS[:3], ("sequence_name", "name_property", "confidence_property"), strict=True):
            object.__setattr__(self, attr, _check_name(key, getattr(self, attr)))
        object.__setattr__(self, "minimum_confidence", _parse_minimum_confidence(self.minimum_confidence))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SyncArguments):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, str, str, str]:
        return (self.sequence_name, self.name_property, self.confidence_property,
                java_double_to_string(self.minimum_confidence))

    @classmethod
    def from_process_args(cls, text: str | None) -> SyncArguments:
        """Parse the step's PROCESS_ARGS exactly as the process does (see ``argument_map``); an empty value keeps
        the default. Lines the process ignores (e.g. comma separated arguments) only raise a warning."""
        ignored = ignored_argument_lines(text)
        if ignored:
            warnings.warn(
                f"The ACS process ignores these argument lines (it reads key=value lines with the keys "
                f"{', '.join(ARGUMENT_KEYS)}): {', '.join(repr(line) for line in ignored)}",
                stacklevel=2,
            )
        values = argument_map(text)
        minimum = values.get("minimumConfidence")
        return cls(
            sequence_name=values.get("sequenceName") or DEFAULT_SEQUENCE_NAME,
            name_property=values.get("nameProperty") or DEFAULT_NAME_PROPERTY,
            confidence_property=values.get("confidenceProperty") or DEFAULT_CONFIDENCE_PROPERTY,
            minimum_confidence=0.0 if minimum is None else minimum,  # type: ignore[arg-type]
        )

    def to_process_args(self) -> str:
        """The arguments as the step dialog's key=value lines."""
        return (
            f"sequenceName={self.sequence_name}\nnameProperty={self.name_property}\n"
            f"confidenceProperty={self.confidence_property}\n"
            f"minimumConfidence={java_double_to_string(self.minimum_confidence)}"
        )

    def item_property_clash(self) -> str | None:
        """Why the process fails on every asset with at least one kept tag, or None: it builds each array item
        from a map that must not repeat a key."""
        if self.name_property == self.confidence_property:
            return f"nameProperty and confidenceProperty are both {self.name_property!r}"
        for key, value in (("nameProperty", self.name_property), ("confidenceProperty", self.confidence_property)):
            if value in ITEM_FIXED_PROPERTIES:
                return f"{key} {value!r} collides with the item's own {value}"
        return None


# -- smart tag values (Sling value conversion of what the process reads) -----------------------------------


def parse_confidence(value: Any) -> tuple[float | None, str | None]:
    """A smart tag confidence as the process reads it (``ValueMap.get(name, Double.class)``): (number, None)
    or (None, problem). Boolean is 1.0/0.0, a multi value gives its first value, a String is parsed by
    ``Double.parseDouble`` (NaN and Infinity included); missing or unparseable gives None."""
    if value is None:
        return None, "missing"
    if isinstance(value, list):
        return parse_confidence(value[0]) if value else (None, "missing")
    if isinstance(value, bool):
        return (1.0 if value else 0.0), None
    if isinstance(value, int | float):
        return float(value), None
    if isinstance(value, str):
        try:
            return parse_java_double(value), None
        except ValueError:
            return None, f"not numeric: {value!r}"
    return None, f"not numeric: {value!r}"


def tag_name(value: Any) -> str | None:
    """A smart tag name as the process reads it (``ValueMap.get(name, String.class)``); None for missing.
    Double converts with ``Double.toString`` (``1.0E20``), Boolean to ``true``/``false``, a multi value gives
    its first value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_to_string(value)
    if isinstance(value, list):
        return tag_name(value[0]) if value else None
    return str(value)


def keeps_tag(name: str | None, confidence: float | None, minimum_confidence: float) -> bool:
    """Whether the process writes a smart tag: confidence (missing or unparseable counts as 0.0) >= minimum
    (never for NaN), and a name that is not blank by Java's rules."""
    return (0.0 if confidence is None else confidence) >= minimum_confidence and not is_blank(name)


@dataclass(frozen=True)
class ProcessOutcome:
    """What the process does with one asset's smart tags: the kept ``(name, confidence)`` tags, or why it fails."""

    tags: list[tuple[str, float]]
    failure: str | None = None


def process_smart_tags(raw_tags: list[tuple[Any, Any]], args: SyncArguments, *, has_metadata: bool = True
                       ) -> ProcessOutcome:
    """Run the process's filter on raw ``(name, confidence)`` values (Sling JSON values, in stored order)."""
    if not has_metadata:
        return ProcessOutcome([], "asset has no metadata node")
    kept: list[tuple[str, float]] = []
    for raw_name, raw_confidence in raw_tags:
        name = tag_name(raw_name)
        confidence, problem = parse_confidence(raw_confidence)
        if not keeps_tag(name, confidence, args.minimum_confidence):
            continue
        if confidence is None:
            return ProcessOutcome([], f"smart tag {name!r} has no usable confidence ({problem})")
        kept.append((str(name), confidence))
    clash = args.item_property_clash() if kept else None
    return ProcessOutcome([] if clash else kept, clash)


def expected_xmp_node(tags: list[tuple[str, float]], args: SyncArguments) -> dict[str, Any]:
    """The node the process writes for already filtered ``(name, confidence)`` tags, as Sling JSON
    (ints are Long, floats are Double, children in write order). ConfigError where the process would fail
    because the arguments make an item repeat a property (see ``SyncArguments.item_property_clash``)."""
    clash = args.item_property_clash() if tags else None
    if clash:
        raise ConfigError(f"The ACS process fails on assets with smart tags when {clash}; fix the process arguments")
    node: dict[str, Any] = {
        "jcr:primaryType": "nt:unstructured",
        "xmpNodeType": "xmpArray",
        "xmpArrayType": "rdf:Seq",
        "xmpArraySize": len(tags),
    }
    for index, (name, confidence) in enumerate(tags, start=1):
        node[str(index)] = {
            "jcr:primaryType": "nt:unstructured",
            "xmpNodeType": "xmpStruct",
            args.name_property: name,
            args.confidence_property: float(confidence),
        }
    return node
