"""Reference cases for the ACS process: hand-picked edges of every family plus Hypothesis-generated ones.

A case is ``{"id", "family", "processArgs", "metadata"}``; ``metadata`` is a typed node spec (``properties``:
``{"name", "type", "multiple", "values"}``, ``children``: named node specs, in order) or None (no metadata node).
Double values travel as Java-parsable strings, Long values as decimal strings.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

Spec = dict[str, Any]

SEQ = "dam:predictedTags"
NAME = "dam:predictedTagName"
CONF = "dam:predictedTagConfidence"


def java_double_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def prop(name: str, type_: str, *values: Any, multiple: bool = False) -> Spec:
    encoded = [java_double_text(v) if type_ == "Double" and isinstance(v, float)
               else str(v) if type_ in ("Long", "Double") else v for v in values]
    return {"name": name, "type": type_, "multiple": multiple or len(values) != 1, "values": encoded}


def node(name: str | None = None, properties: list[Spec] | None = None, children: list[Spec] | None = None) -> Spec:
    out: Spec = {"properties": properties or [], "children": children or []}
    if name is not None:
        out["name"] = name
    return out


def value_prop(name: str, value: Any) -> list[Spec]:
    """A property from a shorthand: None = missing, str/int/float/bool = typed single, (type, [values]) = multi,
    (type, value) = explicit type."""
    if value is None:
        return []
    if isinstance(value, tuple):
        type_, raw = value
        return [prop(name, type_, *raw, multiple=True)] if isinstance(raw, list) else [prop(name, type_, raw)]
    type_ = {bool: "Boolean", int: "Long", float: "Double", str: "String"}[type(value)]
    return [prop(name, type_, value)]


def smart_tag(child: str, name: Any, confidence: Any, extra: list[Spec] | None = None) -> Spec:
    return node(child, value_prop("name", name) + value_prop("confidence", confidence) + (extra or []))


def xmp_array(tags: list[tuple[str, float]], *, name_property: str = NAME, confidence_property: str = CONF,
              size: int | None = None, array_type: str = "rdf:Seq", array_extra: list[Spec] | None = None,
              item_extra: list[Spec] | None = None, extra_children: list[Spec] | None = None,
              confidence_type: str = "Double", sequence_name: str = SEQ) -> Spec:
    """An existing array node shaped like the process's output, with optional deviations."""
    items = []
    for index, (name, confidence) in enumerate(tags, start=1):
        value: Any = confidence
        if confidence_type == "String":
            value = ("String", java_double_text(confidence))
        elif confidence_type == "Long":
            value = ("Long", int(confidence))
        items.append(node(str(index), [prop("xmpNodeType", "String", "xmpStruct"), prop(name_property, "String", name),
                                       *value_prop(confidence_property, value), *(item_extra or [])]))
    props = [prop("xmpNodeType", "String", "xmpArray"), prop("xmpArrayType", "String", array_type),
             prop("xmpArraySize", "Long", len(tags) if size is None else size), *(array_extra or [])]
    return node(sequence_name, props, items + (extra_children or []))


def metadata(tags: list[Spec] | None, *others: Spec, properties: list[Spec] | None = None) -> Spec:
    children = ([node("predictedTags", [], tags)] if tags is not None else []) + list(others)
    return node(None, [prop("dc:format", "String", "image/jpeg"), *(properties or [])], children)


def case(family: str, label: str, process_args: str, meta: Spec | None) -> Spec:
    return {"id": f"{family}:{label}", "family": family, "processArgs": process_args, "metadata": meta}


THREE_TAGS = [smart_tag("a", "cat", 0.9), smart_tag("b", "dog", 0.4), smart_tag("c", "bird", 0.6)]


# -- hand-picked edges ------------------------------------------------------------------------------------------

ARGUMENT_TEXTS = [
    "", "\n\n", "minimumConfidence=0.5", "minimumConfidence=0.5\n", "\nminimumConfidence=0.5\n\n",
    "minimumConfidence=0.5\r\n", "sequenceName=dam:smartTags\r\nminimumConfidence=0.5\r\n",
    "sequenceName=dam:smartTags,minimumConfidence=0.5", "minimumConfidence=0.5,nameProperty=dam:n",
    "sequenceName=dam:smartTags\nnameProperty=dam:tagName\nconfidenceProperty=dam:score\nminimumConfidence=0.5",
    " minimumConfidence = 0.5 ", "\tminimumConfidence\t=\t0.5\t", "minimumConfidence==0.5", "=minimumConfidence=0.5",
    "minimumConfidence=0.5=", "minimumConfidence=0.5=0.7", "minimumConfidence", "minimumConfidence=",
    "minimumConfidence=0.5\nminimumConfidence=", "minimumConfidence=0.5\nminimumConfidence= ",
    "minimumConfidence=0.5\nminimumConfidence=0.7", "minimumConfidence=0.5\nminimumconfidence=0.7",
    "MinimumConfidence=0.5", "minConfidence=0.5", "nameProperty=dam:n\nnameProperty= ",
    "sequenceName=dam:smartTags\nsequenceName=\t", "sequenceName=xmp:tags", "nameProperty=dc:subject",
    "confidenceProperty=xmp:score", "sequenceName=myTags\nnameProperty=label\nconfidenceProperty=score",
    "minimumConfidence=0.5\rnameProperty=dam:n", "minimumConfidence=0.5\u2028nameProperty=dam:n",
    "minimumConfidence=0.5\u0085nameProperty=dam:n", " \n = \n=\n==\nminimumConfidence=0.5",
    "\u00a0minimumConfidence=0.5", "minimumConfidence=\u00a00.5", "minimumConfidence=0.5\u00a0",
    "minimumConfidence=\u000b0.5\u001f", "# comment\nminimumConfidence=0.5", "minimumConfidence:0.5",
]

MINIMUM_CONFIDENCES = [
    "0", "0.0", "1", "1.0", "0.5", ".5", "5.", "0.5f", "0.5F", "0.5d", "0.5D", "5e-1", "5E-1", "+0.5", "-0",
    "-0.0", "0x1p-1", "0X1P-1", "0x.8p0", "0x1p-1f", "0x1.8p-1", "NaN", "-NaN", "+NaN", "nan", "Infinity",
    "-Infinity", "inf", "1.5", "-0.1", "1.0000000000000002", "0.99999999999999999", "abc", "0.0_5", "0_5",
    "\u0660.\u0665", "\uff10.\uff15", "0,5", "1e", "0.5ff", "0.5 f", "0x1p", "0x1", "0.5e-1d", "1e-400",
    "0.00000000000000000000000000001", "0.6", "0.75", "0.9", "0.90000000000000002",
]

BLANK_NAME_CHARS = [
    " ", "\t", "\n", "\u000b", "\u000c", "\r", "\u001c", "\u001d", "\u001e", "\u001f", "\u00a0", "\u2007",
    "\u202f", "\u0085", "\u1680", "\u2000", "\u2003", "\u200a", "\u2028", "\u2029", "\u205f", "\u3000",
    "\u200b", "\ufeff", "\u180e", "\u0000", "\u0001",
]

NAME_VALUES: list[tuple[str, Any]] = [
    ("double-1e20", 1e20), ("double-1e-5", 1e-5), ("double-0.001", 0.001), ("double-1e7", 1e7),
    ("double-9999999", 9999999.0), ("double-123", 123.0), ("double-neg-zero", -0.0), ("double-0.1", 0.1),
    ("double-1-3", 1 / 3), ("double-2e23", 2e23), ("double-min", 5e-324), ("double-max", 1.7976931348623157e308),
    ("double-nan", ("Double", "NaN")), ("double-inf", ("Double", "Infinity")), ("long", 42), ("long-neg", -7),
    ("long-max", 9223372036854775807), ("bool-true", True), ("bool-false", False),
    ("multi-string", ("String", ["first", "second"])), ("multi-empty", ("String", [])),
    ("multi-double", ("Double", [2.5, 3.5])), ("multi-blank-first", ("String", [" ", "x"])),
    ("string-padded", "  padded  "), ("string-unicode", "ça\u00a0va"), ("string-emoji", "\U0001f600"),
]

CONFIDENCE_VALUES: list[tuple[str, Any]] = [
    ("bool-true", True), ("bool-false", False), ("long-1", 1), ("long-0", 0), ("long-2", 2),
    ("multi-double", ("Double", [0.3, 0.9])), ("multi-double-high-first", ("Double", [0.9, 0.3])),
    ("multi-string", ("String", ["0.8", "x"])), ("multi-empty", ("Double", [])), ("multi-bool", ("Boolean", [True])),
    ("string-0.9", "0.9"), ("string-0.9f", "0.9f"), ("string-0.9D", "0.9D"), ("string-padded", " 0.7 "),
    ("string-hex", "0x1p-1"), ("string-infinity", "Infinity"), ("string-neg-infinity", "-Infinity"),
    ("string-nan", "NaN"), ("string-abc", "abc"), ("string-empty", ""), ("string-underscore", "0.0_5"),
    ("string-arabic", "\u0660.\u0665"), ("string-inf", "inf"), ("string-comma", "0,9"),
    ("double-1.5", 1.5), ("double-neg", -0.2), ("double-nan", ("Double", "NaN")),
    ("double-inf", ("Double", "Infinity")),
    ("double-tiny", 5e-324), ("long-max", 9223372036854775807),
]

CLASH_ARGUMENTS = [
    "nameProperty=dam:x\nconfidenceProperty=dam:x", "nameProperty=xmpNodeType", "confidenceProperty=xmpNodeType",
    "nameProperty=jcr:primaryType", "confidenceProperty=jcr:primaryType",
]

GOOD_TAGS = [("cat", 0.9), ("dog", 0.4), ("bird", 0.6)]


def existing_shapes() -> list[tuple[str, Spec]]:
    """Existing array nodes of every wrong (and the right) shape next to THREE_TAGS."""
    right = GOOD_TAGS
    return [
        ("exact", xmp_array(right)),
        ("extra-array-prop", xmp_array(right, array_extra=[prop("foo", "String", "bar")])),
        ("extra-item-prop", xmp_array(right, item_extra=[prop("isCustom", "Boolean", False)])),
        ("extra-child", xmp_array(right, extra_children=[node("notes", [prop("x", "String", "y")])])),
        ("extra-grandchild", xmp_array(right) | {"children": [
            node("1", [prop("xmpNodeType", "String", "xmpStruct"), prop(NAME, "String", "cat"),
                       prop(CONF, "Double", 0.9)], [node("deep")]),
            *xmp_array(right)["children"][1:]]}),
        ("string-confidence", xmp_array(right, confidence_type="String")),
        ("long-confidence", xmp_array([("cat", 1.0), ("dog", 0.0), ("bird", 1.0)], confidence_type="Long")),
        ("near-confidence", xmp_array([("cat", 0.9000000000000001), ("dog", 0.4), ("bird", 0.6)])),
        ("wrong-size", xmp_array(right, size=5)),
        ("bag", xmp_array(right, array_type="rdf:Bag")),
        ("reordered", xmp_array([right[1], right[0], right[2]])),
        ("missing-item", xmp_array(right[:2])),
        ("childless", xmp_array([])),
        ("childless-wrong-size", xmp_array([], size=3)),
        ("childless-bag", xmp_array([], array_type="rdf:Bag")),
        ("childless-extra-prop", xmp_array([], array_extra=[prop("foo", "String", "bar")])),
        ("string-size", xmp_array(right) | {"properties": [
            prop("xmpNodeType", "String", "xmpArray"), prop("xmpArrayType", "String", "rdf:Seq"),
            prop("xmpArraySize", "String", "3")]}),
    ]


def hand_picked() -> list[Spec]:
    cases: list[Spec] = []
    for i, text in enumerate(ARGUMENT_TEXTS):
        cases.append(case("args", str(i), text, metadata(THREE_TAGS)))
    for raw in MINIMUM_CONFIDENCES:
        cases.append(case("minimum", repr(raw), f"minimumConfidence={raw}",
                          metadata([*THREE_TAGS, smart_tag("d", "one", 1.0), smart_tag("e", "zero", 0.0)])))
    for char in BLANK_NAME_CHARS:
        label = f"U+{ord(char):04X}"
        cases.append(case("blank", label, "", metadata([smart_tag("a", char, 0.8), smart_tag("b", char * 3, 0.8),
                                                        smart_tag("c", f"{char}x{char}", 0.8)])))
    for label, value in NAME_VALUES:
        cases.append(case("name", label, "", metadata([smart_tag("a", value, 0.8), smart_tag("b", "plain", 0.7)])))
    for label, value in CONFIDENCE_VALUES:
        for minimum in ("", "minimumConfidence=0.5"):
            cases.append(case("confidence", f"{label}@{minimum or 'default'}", minimum,
                              metadata([smart_tag("a", "tagged", value), smart_tag("b", "plain", 0.7)])))
    for text in CLASH_ARGUMENTS:
        cases.append(case("clash", f"{text}@kept", text, metadata(THREE_TAGS)))
        cases.append(case("clash", f"{text}@none", f"{text}\nminimumConfidence=0.95", metadata(THREE_TAGS)))
        cases.append(case("clash", f"{text}@untagged", text, metadata([])))
    for label, shape in existing_shapes():
        cases.append(case("shape", label, "", metadata(THREE_TAGS, shape)))
    cases += [
        case("structure", "no-metadata", "", None),
        case("structure", "no-predictedTags", "", metadata(None)),
        case("structure", "empty-predictedTags", "", metadata([])),
        case("structure", "old-node-no-tags", "", metadata(None, xmp_array(GOOD_TAGS))),
        case("structure", "old-node-empty-tags", "", metadata([], xmp_array(GOOD_TAGS))),
        case("structure", "name-without-confidence", "", metadata([smart_tag("a", "cat", None)])),
        case("structure", "name-without-confidence-filtered", "minimumConfidence=0.5",
             metadata([smart_tag("a", "cat", None)])),
        case("structure", "confidence-without-name", "", metadata([smart_tag("a", None, 0.9)])),
        case("structure", "is-custom-ignored", "", metadata([smart_tag("a", "cat", 0.9, [prop("isCustom", "Boolean",
                                                                                              True)])])),
        case("structure", "child-order-kept", "", metadata([smart_tag("z", "zebra", 0.5), smart_tag("a", "ant", 0.6),
                                                            smart_tag("10", "ten", 0.7), smart_tag("2", "two", 0.8)])),
        case("structure", "duplicate-names", "", metadata([smart_tag("a", "cat", 0.5), smart_tag("b", "cat", 0.6)])),
        case("structure", "custom-sequence-old-default-node", "sequenceName=dam:smartTags",
             metadata(THREE_TAGS, xmp_array(GOOD_TAGS))),
        case("structure", "custom-sequence-existing", "sequenceName=dam:smartTags",
             metadata(THREE_TAGS, xmp_array(GOOD_TAGS, sequence_name="dam:smartTags"))),
        case("structure", "custom-properties-existing", "nameProperty=dc:n\nconfidenceProperty=dc:c",
             metadata(THREE_TAGS, xmp_array(GOOD_TAGS, name_property="dc:n", confidence_property="dc:c"))),
    ]
    return cases


# -- Hypothesis --------------------------------------------------------------------------------------------------

# a few argument sets (each becomes one audit group), including Java-only number forms
GENERATED_ARGUMENTS = ["", "minimumConfidence=0.5", "minimumConfidence=0.5f", "minimumConfidence=0x1.8p-1",
                       "minimumConfidence=NaN", "sequenceName=dam:smartTags\nminimumConfidence=0.3",
                       "nameProperty=dc:n\nconfidenceProperty=dc:c", "minimumConfidence=0.5,nameProperty=dc:n"]

_name_chars = st.sampled_from([*"abcXYZ019 -_:.", "\u00a0", "\u2007", "\u0085", "\u3000", "\t", "é", "\u2028"])
_name_text = st.text(_name_chars, max_size=6)
_confidence_double = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.5, 1.0, 0.3, 0.6, 1e-9, 0.49999999999999994]),
                               st.floats(-2, 2))
_names = st.one_of(
    _name_text, _name_text, _name_text,
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.integers(-10**6, 10**6), st.booleans(),
    st.lists(_name_text, min_size=1, max_size=2).map(lambda v: ("String", v)),
    st.none(),
)
_java_numbers = st.one_of(
    _confidence_double.map(repr),
    st.builds(lambda x, s: f"{x!r}{s}", _confidence_double, st.sampled_from(["f", "F", "d", "D", " ", ""])),
    _confidence_double.map(float.hex),
    st.sampled_from(["NaN", "Infinity", "abc", "", " 0.5", "1e-1", ".5", "0.0_5"]),
)
_confidences = st.one_of(
    _confidence_double, _confidence_double, _confidence_double,
    st.integers(-1, 2), st.booleans(), _java_numbers.map(lambda s: ("String", s)),
    st.lists(_confidence_double, min_size=1, max_size=2).map(lambda v: ("Double", v)),
    st.none(),
)
_child_names = st.lists(st.sampled_from(["0", "1", "2", "10", "a", "b", "tag", "z", "x1", "Q"]), unique=True,
                        max_size=5)


@st.composite
def generated_case(draw: st.DrawFn) -> tuple[str, Spec | None]:
    process_args = draw(st.sampled_from(GENERATED_ARGUMENTS))
    if draw(st.integers(0, 40)) == 0:
        return process_args, None
    children = draw(_child_names)
    tags = [smart_tag(child, draw(_names), draw(_confidences)) for child in children]
    has_tags_node = draw(st.integers(0, 15)) > 0
    sequence = "dam:smartTags" if "dam:smartTags" in process_args else SEQ
    name_property, confidence_property = ("dc:n", "dc:c") if "nameProperty=dc:n\n" in process_args else (NAME, CONF)
    existing = draw(st.sampled_from(["none", "none", "good", "string", "size", "bag", "extra", "childless"]))
    others = []
    if existing != "none":
        good = [(f"t{i}", 0.5 + i / 10) for i in range(draw(st.integers(0, 3)))]
        shape = {"good": {}, "string": {"confidence_type": "String"}, "size": {"size": 7},
                 "bag": {"array_type": "rdf:Bag"}, "extra": {"array_extra": [prop("foo", "Long", 1)]},
                 "childless": {}}[existing]
        others.append(xmp_array([] if existing == "childless" else good, name_property=name_property,
                                confidence_property=confidence_property, sequence_name=sequence, **shape))
    return process_args, metadata(tags if has_tags_node else None, *others)


def generated(count: int) -> list[Spec]:
    drawn: list[tuple[str, Spec | None]] = []

    @settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(generated_case())
    def collect(item: tuple[str, Spec | None]) -> None:
        drawn.append(item)

    collect()
    return [case("generated", str(i), text, meta) for i, (text, meta) in enumerate(drawn)]


def _build(generated_count: int) -> list[Spec]:
    cases = hand_picked() + generated(generated_count)
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


@cache
def all_cases(generated_count: int = 400) -> list[Spec]:
    """All cases, generated in a fresh interpreter outside the repository: Hypothesis also draws literals from
    the local modules it finds loaded, so generating in-process would change the cases whenever other project
    code (or the set of imported test modules) changes."""
    with tempfile.TemporaryDirectory(prefix="acsref-cases-") as cwd:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(generated_count)], cwd=cwd,
                              capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


if __name__ == "__main__":
    json.dump(_build(int(sys.argv[1])), sys.stdout)
