"""core/cells.py: spreadsheet cells neutralised against formula injection."""

import pandas as pd
import pytest

from xmpaudit.core.cells import FORMULA_TRIGGERS, safe_cell, safe_frame


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd"])
def test_formula_triggers_get_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_full_width_triggers_are_neutralised_too():
    for text in ["\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"]:
        assert safe_cell(text) == "'" + text
    assert {"\uff1d", "\uff0b", "\uff0d", "\uff20"} <= set(FORMULA_TRIGGERS)


@pytest.mark.parametrize("value", ["dog", "a=b", " =x", "", 0.5, -1, None, "'=quoted"])
def test_everything_else_is_left_as_it_is(value):
    assert safe_cell(value) == value


def test_safe_frame_neutralises_text_categories_column_names_and_index_and_leaves_numbers():
    frame = pd.DataFrame({"=name": ["=evil", "ok"], "tag": pd.Categorical(["+x", "y"]), "n": [-1.5, 2.0]},
                         index=["@row", "row"])
    out = safe_frame(frame)
    assert list(out.columns) == ["'=name", "tag", "n"]
    assert out["'=name"].tolist() == ["'=evil", "ok"]
    assert out["tag"].tolist() == ["'+x", "y"]
    assert out["n"].tolist() == [-1.5, 2.0]
    assert list(out.index) == ["'@row", "row"]
    assert frame["=name"].tolist() == ["=evil", "ok"], "the input frame is not changed"
