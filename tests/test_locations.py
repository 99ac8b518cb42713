"""core/locations.py: one data folder per user, independent of the working directory."""

from pathlib import Path

import pytest

from xmpaudit.core import locations


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("XMPAUDIT_HOME", "XMPAUDIT_JOURNAL", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def test_default_is_under_the_users_local_share(tmp_path):
    assert locations.data_home() == tmp_path / "home" / ".local" / "share" / "xmpaudit"
    assert locations.default_journal_path() == locations.data_home() / "journal.jsonl"
    assert locations.snapshots_home() == locations.data_home() / "snapshots"
    assert locations.history_path() == locations.data_home() / "history.jsonl"


def test_xdg_data_home_then_xmpaudit_home_override(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert locations.data_home() == tmp_path / "xdg" / "xmpaudit"
    monkeypatch.setenv("XMPAUDIT_HOME", "~/kit")
    assert locations.data_home() == tmp_path / "home" / "kit"
    monkeypatch.setenv("XMPAUDIT_HOME", "   ")  # blank counts as unset
    assert locations.data_home() == tmp_path / "xdg" / "xmpaudit"


def test_journal_variable_overrides_the_journal_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("XMPAUDIT_JOURNAL", str(tmp_path / "j.jsonl"))
    assert locations.default_journal_path() == tmp_path / "j.jsonl"
    assert locations.snapshots_home() == tmp_path / "home" / ".local" / "share" / "xmpaudit" / "snapshots"


def test_paths_do_not_depend_on_the_working_directory(monkeypatch, tmp_path):
    first = locations.default_journal_path()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert locations.default_journal_path() == first and first.is_absolute()


def test_store_key_is_readable_unique_and_a_safe_folder_name():
    key = locations.store_key("https://author.example.com:4502/", "/content/dam/brand/älteres Material #2")
    assert key.startswith("author.example.com-4502_brand-")
    assert Path(key).name == key and "/" not in key and " " not in key and "#" not in key
    assert locations.store_key("https://author.example.com:4502", "/content/dam/brand/älteres Material #2/") == key
    others = {locations.store_key("https://author.example.com:4502", "/content/dam/brand/a"),
              locations.store_key("https://author.example.com:4503", "/content/dam/brand/a"),
              locations.store_key("https://author.example.com:4502", "/content/dam/other/brand/a")}
    assert len(others) == 3
