"""The ACS AEM Commons process "Synchronize Smart Tags to XMP Metadata Node", as data.

``SyncArguments`` parses the process arguments the same way the process does; ``expected_xmp_node`` builds
exactly the node it writes, so audit and sync compare against (and write) the same thing.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

DEFAULT_SEQUENCE_NAME = "dam:predictedTags"
DEFAULT_NAME_PROPERTY = "dam:predictedTagName"
DEFAULT_CONFIDENCE_PROPERTY = "dam:predictedTagConfidence"
SMART_TAGS_NODE = "predictedTags"
ARGUMENT_KEYS = ("sequenceName", "nameProperty", "confidenceProperty", "minimumConfidence")


def _parse_minimum_confidence(raw: object) -> float:
    """As the process does: unparseable or outside 0..1 falls back to 0.0."""
    try:
        value = float(str(raw).strip())
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def _check_name(key: str, value: str) -> str:
    value = value.strip()
    if not value or any(c in value for c in "/[]|*") or value in (".", ".."):
        raise ConfigError(f"Process argument {key}={value!r} is not a valid JCR name")
    return value


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

    @classmethod
    def from_process_args(cls, text: str | None) -> SyncArguments:
        """Parse the step's PROCESS_ARGS (``key=value`` lines, or comma separated); blank keeps the default."""
        values: dict[str, str] = {}
        for raw_line in (text or "").replace(",", "\n").splitlines():
            line = raw_line.strip()
            if not line:
                continue
            key, sep, value = line.partition("=")
            key = key.strip()
            if not sep:
                raise ConfigError(f"Process argument line {raw_line!r} is not key=value")
            if key not in ARGUMENT_KEYS:
                warnings.warn(
                    f"Unknown process argument {key!r} (the process ignores it; known: {', '.join(ARGUMENT_KEYS)})",
                    stacklevel=2,
                )
                continue
            if value.strip():
                values[key] = value.strip()
        return cls(
            sequence_name=values.get("sequenceName", DEFAULT_SEQUENCE_NAME),
            name_property=values.get("nameProperty", DEFAULT_NAME_PROPERTY),
            confidence_property=values.get("confidenceProperty", DEFAULT_CONFIDENCE_PROPERTY),
            minimum_confidence=values.get("minimumConfidence", 0.0),  # type: ignore[arg-type]
        )

    def to_process_args(self) -> str:
        """The arguments as the step dialog's key=value lines."""
        return (
            f"sequenceName={self.sequence_name}\nnameProperty={self.name_property}\n"
            f"confidenceProperty={self.confidence_property}\nminimumConfidence={self.minimum_confidence}"
        )


def parse_confidence(value: Any) -> tuple[float | None, str | None]:
    """A smart tag confidence as the process reads it: (number, None) or (None, problem)."""
    if value is None:
        return None, "missing"
    if isinstance(value, bool):
        return None, f"not numeric: {value!r}"
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None, f"not numeric: {value!r}"
    else:
        return None, f"not numeric: {value!r}"
    if math.isnan(number) or math.isinf(number):
        return None, f"not numeric: {value!r}"
    return number, None


def tag_name(value: Any) -> str | None:
    """A smart tag name as the process reads it (String conversion); None for missing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return tag_name(value[0]) if value else None
    return str(value)


def expected_xmp_node(tags: list[tuple[str, float]], args: SyncArguments) -> dict[str, Any]:
    """The node the process writes for already filtered ``(name, confidence)`` tags, as Sling JSON
    (ints are Long, floats are Double, children in write order)."""
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
