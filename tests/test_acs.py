import json

import pytest

from xmpaudit.acs import SyncArguments, expected_xmp_node, parse_confidence, tag_name
from xmpaudit.errors import ConfigError


def test_defaults_and_parsing():
    assert SyncArguments.from_process_args("") == SyncArguments()
    args = SyncArguments.from_process_args(
        "sequenceName=dam:smartTags\nnameProperty=dam:tagName\n confidenceProperty = dam:score \nminimumConfidence=0.5"
    )
    assert (args.sequence_name, args.name_property, args.confidence_property, args.minimum_confidence) == (
        "dam:smartTags", "dam:tagName", "dam:score", 0.5)
    assert SyncArguments.from_process_args(args.to_process_args()) == args


@pytest.mark.parametrize("raw", ["abc", "1.5", "-0.1", ""])
def test_minimum_confidence_falls_back_to_zero_like_the_process(raw):
    assert SyncArguments.from_process_args(f"minimumConfidence={raw}").minimum_confidence == 0.0


def test_bad_argument_lines():
    with pytest.raises(ConfigError, match="not key=value"):
        SyncArguments.from_process_args("minimumConfidence")
    with pytest.raises(ConfigError, match="not a valid JCR name"):
        SyncArguments.from_process_args("sequenceName=a/b")
    with pytest.warns(UserWarning, match="Unknown process argument 'minConfidence'"):
        assert SyncArguments.from_process_args("minConfidence=0.9").minimum_confidence == 0.0


def test_expected_node_shape_and_types():
    node = expected_xmp_node([("dog", 1), ("cat", 0.5)], SyncArguments())
    assert node["xmpArraySize"] == 2 and isinstance(node["xmpArraySize"], int)
    assert list(k for k, v in node.items() if isinstance(v, dict)) == ["1", "2"]
    assert node["1"] == {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpStruct",
                         "dam:predictedTagName": "dog", "dam:predictedTagConfidence": 1.0}
    assert '"dam:predictedTagConfidence": 1.0' in json.dumps(node)  # Double, not Long, on import
    assert expected_xmp_node([], SyncArguments())["xmpArraySize"] == 0


def test_confidence_and_name_reading():
    assert parse_confidence(0.7) == (0.7, None)
    assert parse_confidence("0.83") == (0.83, None)
    assert parse_confidence(1) == (1.0, None)
    assert parse_confidence(None) == (None, "missing")
    assert parse_confidence("high")[1] == "not numeric: 'high'"
    assert parse_confidence(True)[0] is None
    assert parse_confidence("nan")[0] is None
    assert tag_name(5) == "5" and tag_name(None) is None and tag_name(["a", "b"]) == "a"
