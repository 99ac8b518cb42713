"""The ACS process rules in xmpaudit.acs (each one was observed on the released jar; tests/acs runs the jar)."""

import json
import math

import pytest

from xmpaudit.core.acs import (
    SyncArguments,
    argument_map,
    expected_xmp_node,
    ignored_argument_lines,
    is_blank,
    java_double_to_string,
    java_trim,
    parse_confidence,
    parse_java_double,
    process_smart_tags,
    tag_name,
)
from xmpaudit.core.errors import ConfigError


def test_defaults_and_parsing():
    assert SyncArguments.from_process_args("") == SyncArguments()
    args = SyncArguments.from_process_args(
        "sequenceName=dam:smartTags\nnameProperty=dam:tagName\n confidenceProperty = dam:score \nminimumConfidence=0.5"
    )
    assert (args.sequence_name, args.name_property, args.confidence_property, args.minimum_confidence) == (
        "dam:smartTags", "dam:tagName", "dam:score", 0.5)
    assert SyncArguments.from_process_args(args.to_process_args()) == args


@pytest.mark.parametrize(("text", "minimum"), [
    ("minimumConfidence=0.5\r\n", 0.5),                       # CR is trimmed with the value
    ("minimumConfidence==0.5", 0.5),                          # runs of '=' count as one
    ("=minimumConfidence=0.5", 0.5),
    ("minimumConfidence=0.5=0.7", 0.0),                       # three parts: line ignored
    ("minimumConfidence=0.5\nminimumConfidence=", 0.5),       # nothing after '=': line ignored
    ("minimumConfidence=0.5\nminimumConfidence= ", 0.0),      # blank value: back to the default
    ("minimumConfidence=0.5\nminimumConfidence=0.7", 0.7),    # later line wins
    ("minimumConfidence=0.5,nameProperty=dam:n", 0.0),        # comma separated: ignored
    ("minimumConfidence=0.5\rnameProperty=dam:n", 0.0),       # CR alone does not split lines
    ("minimumConfidence=0.5\u2028nameProperty=dam:n", 0.0),
    ("minimumConfidence=\u000b0.5\u001f", 0.5),               # String.trim drops chars <= U+0020
    ("minimumConfidence=\u00a00.5", 0.0),                     # ... but not U+00A0
])
def test_argument_lines_like_the_process(text, minimum):
    with pytest.warns(UserWarning) if ignored_argument_lines(text) else _no_warning():
        args = SyncArguments.from_process_args(text)
    assert args.minimum_confidence == minimum


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_ignored_lines_warn_and_map():
    assert argument_map(" a = b \n\nc\n=d\n x==y \n \u00a0=v\n\u2003=w") == {"a": "b", "x": "y", "\u00a0": "v"}
    assert argument_map("k=v\nk2==v2\nk3=v=3") == {"k": "v", "k2": "v2"}
    with pytest.warns(UserWarning, match="ignores these argument lines.*minConfidence=0.9"):
        assert SyncArguments.from_process_args("minConfidence=0.9").minimum_confidence == 0.0
    with pytest.raises(ConfigError, match="not a valid JCR name"):
        SyncArguments.from_process_args("sequenceName=a/b")


@pytest.mark.parametrize(("raw", "expected"), [
    ("0.5f", 0.5), ("0.5D", 0.5), (" 0.5 ", 0.5), ("0x1p-1", 0.5), ("0X.8P0d", 0.5), ("+.5", 0.5), ("5.", 5.0),
    ("1e-400", 0.0), ("1e400", math.inf), ("-Infinity", -math.inf), ("0x1p99999", math.inf),
])
def test_java_double_grammar(raw, expected):
    assert parse_java_double(raw) == expected


@pytest.mark.filterwarnings("ignore:The ACS process ignores")  # "minimumConfidence=" is such a line
@pytest.mark.parametrize("raw", ["", "abc", "0.0_5", "1_0", "\u0660.\u0665", "inf", "nan", "infinity", "0x1",
                                 "0x1p", "1e", "0.5ff", "0.5 f", "\u00a00.5", "NaNf"])
def test_not_java_doubles(raw):
    with pytest.raises(ValueError):
        parse_java_double(raw)
    assert SyncArguments.from_process_args(f"minimumConfidence={raw}").minimum_confidence == 0.0


def test_minimum_confidence_nan_keeps_no_tag():
    args = SyncArguments.from_process_args("minimumConfidence=NaN")
    assert math.isnan(args.minimum_confidence) and args.to_process_args().endswith("minimumConfidence=NaN")
    assert process_smart_tags([("cat", 1.0)], args).tags == []


@pytest.mark.filterwarnings("ignore:The ACS process ignores")
@pytest.mark.parametrize(("raw", "minimum"), [("abc", 0.0), ("1.5", 0.0), ("-0.1", 0.0), ("", 0.0), ("1", 1.0)])
def test_minimum_confidence_out_of_range_or_unparseable_is_zero(raw, minimum):
    assert SyncArguments.from_process_args(f"minimumConfidence={raw}").minimum_confidence == minimum


@pytest.mark.parametrize(("value", "text"), [
    (1e20, "1.0E20"), (1e-5, "1.0E-5"), (0.001, "0.001"), (1e7, "1.0E7"), (9999999.0, "9999999.0"), (123.0, "123.0"),
    (-0.0, "-0.0"), (1 / 3, "0.3333333333333333"), (5e-324, "4.9E-324"), (1.7976931348623157e308,
                                                                        "1.7976931348623157E308"),
    (math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (0.1, "0.1"), (1e-3 * 0.999, "9.99E-4"),
])
def test_java_double_to_string(value, text):
    assert java_double_to_string(value) == text


def test_java_double_to_string_is_java_19_digits():
    # Java <= 18 prints a few doubles >= 1e16 with extra digits (2e23 -> "1.9999999999999998E23"); xmpaudit
    # follows the shortest round-trip digits of Java 19+ (see the README notes on the reference suite).
    assert java_double_to_string(2e23) == "2.0E23"


def test_blank_by_java_rules():
    assert is_blank(None) and is_blank("") and is_blank(" \t\n\u000b\u000c\r\u001c\u001f\u2003\u2028\u3000")
    for char in "\u00a0\u2007\u202f\u0085\u200b\ufeff\u180e\u0000":
        assert not is_blank(char), repr(char)
    assert java_trim("\u0000 x \u001f") == "x" and java_trim("\u00a0x") == "\u00a0x"


def test_expected_node_shape_and_types():
    node = expected_xmp_node([("dog", 1), ("cat", 0.5)], SyncArguments())
    assert node["xmpArraySize"] == 2 and isinstance(node["xmpArraySize"], int)
    assert list(k for k, v in node.items() if isinstance(v, dict)) == ["1", "2"]
    assert node["1"] == {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpStruct",
                         "dam:predictedTagName": "dog", "dam:predictedTagConfidence": 1.0}
    assert '"dam:predictedTagConfidence": 1.0' in json.dumps(node)  # Double, not Long, on import
    assert expected_xmp_node([], SyncArguments())["xmpArraySize"] == 0


@pytest.mark.parametrize("text", ["nameProperty=dam:x\nconfidenceProperty=dam:x", "nameProperty=xmpNodeType",
                                  "confidenceProperty=jcr:primaryType"])
def test_property_clash_fails_only_with_kept_tags(text):
    args = SyncArguments.from_process_args(text)
    assert args.item_property_clash()
    assert process_smart_tags([("cat", 0.9)], args).failure == args.item_property_clash()
    assert process_smart_tags([], args).failure is None
    assert expected_xmp_node([], args)["xmpArraySize"] == 0
    with pytest.raises(ConfigError, match="fails on assets with smart tags"):
        expected_xmp_node([("cat", 0.9)], args)


def test_confidence_by_sling_value_conversion():
    assert parse_confidence(0.7) == (0.7, None)
    assert parse_confidence("0.83") == (0.83, None)
    assert parse_confidence("0.9f") == (0.9, None)
    assert parse_confidence("Infinity") == (math.inf, None)
    assert math.isnan(parse_confidence("NaN")[0])
    assert parse_confidence(1) == (1.0, None)
    assert parse_confidence(True) == (1.0, None) and parse_confidence(False) == (0.0, None)
    assert parse_confidence([0.3, 0.9]) == (0.3, None)
    assert parse_confidence([]) == (None, "missing")
    assert parse_confidence(None) == (None, "missing")
    assert parse_confidence("high") == (None, "not numeric: 'high'")
    assert parse_confidence("nan") == (None, "not numeric: 'nan'")


def test_names_by_sling_value_conversion():
    assert tag_name(5) == "5" and tag_name(None) is None and tag_name(["a", "b"]) == "a" and tag_name([]) is None
    assert tag_name(1e20) == "1.0E20" and tag_name(2.5) == "2.5" and tag_name(True) == "true"


def test_process_smart_tags_filter_and_failures():
    args = SyncArguments.from_process_args("minimumConfidence=0.5")
    outcome = process_smart_tags([("cat", 0.9), ("low", 0.1), (" ", 0.9), ("\u00a0", 0.9), (None, 0.9),
                                  ("inf", "Infinity"), ("nan", "NaN"), ("dropped", "abc"), ("big", 2)], args)
    assert outcome.failure is None
    assert outcome.tags == [("cat", 0.9), ("\u00a0", 0.9), ("inf", math.inf), ("big", 2.0)]
    # kept (confidence counts as 0.0 >= 0.0) but no usable confidence: the process fails
    assert "no usable confidence" in process_smart_tags([("cat", "abc")], SyncArguments()).failure
    assert process_smart_tags([("cat", None)], args).failure is None
    assert process_smart_tags([], SyncArguments(), has_metadata=False).failure == "asset has no metadata node"
