"""Runs on Windows and macOS too: no module of the package needs ``fcntl``; the data folder is the platform's
(``platformdirs``), keeping ``$XMPAUDIT_HOME`` and a Linux folder already in use; the journal's and the history's
lock (``core/file_lock.py``) holds off a second writer in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from xmpaudit.core import locations
from xmpaudit.workspace.history import append_record, read_records

EVERY_MODULE_WITHOUT_FCNTL = """
import importlib, pkgutil, sys
sys.modules["fcntl"] = None  # as on Windows: importing it raises ImportError
import xmpaudit
failed = []
for module in pkgutil.walk_packages(xmpaudit.__path__, "xmpaudit."):
    if module.name.endswith(".__main__"):
        continue  # runs its command when imported
    try:
        importlib.import_module(module.name)
    except ImportError as exc:
        failed.append(f"{module.name}: {exc}")
print("\\n".join(failed) or "all imported")
"""


def test_every_module_of_the_package_imports_without_fcntl():
    result = subprocess.run([sys.executable, "-c", EVERY_MODULE_WITHOUT_FCNTL], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip() == "all imported", result.stdout + result.stderr


@pytest.fixture
def user(monkeypatch, tmp_path) -> Path:
    """A user's home folder with no xmpaudit settings."""
    for name in ("XMPAUDIT_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_data_folder_on_linux_follows_xdg(user, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    assert locations.data_home() == user / ".local" / "share" / "xmpaudit"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert locations.data_home() == tmp_path / "xdg" / "xmpaudit"


def test_data_folder_on_macos_is_application_support_unless_a_linux_one_is_in_use(user, monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert locations.data_home() == user / "Library" / "Application Support" / "xmpaudit"
    (user / ".local" / "share" / "xmpaudit").mkdir(parents=True)
    assert locations.data_home() == user / ".local" / "share" / "xmpaudit"  # journal and history stay found
    (user / "Library" / "Application Support" / "xmpaudit").mkdir(parents=True)
    assert locations.data_home() == user / "Library" / "Application Support" / "xmpaudit"


def test_data_folder_on_windows_is_local_app_data(user, monkeypatch, tmp_path):
    import platformdirs.windows

    monkeypatch.setattr(sys, "platform", "win32")
    local = tmp_path / "AppData" / "Local"
    monkeypatch.setattr(platformdirs.windows, "get_win_folder",
                        lambda name: str(local) if name == "CSIDL_LOCAL_APPDATA" else "roaming")
    assert locations.data_home() == local / "xmpaudit"
    monkeypatch.setenv("XMPAUDIT_HOME", str(tmp_path / "kit"))
    assert locations.data_home() == tmp_path / "kit"


HOLDER = """
import sys
from xmpaudit.core.file_lock import exclusive
with exclusive(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_the_lock_holds_off_a_second_writer_in_another_process(tmp_path):
    history = tmp_path / "history.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(history)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        appending = threading.Thread(target=append_record, args=({"audit": 1}, history))
        appending.start()
        appending.join(0.5)
        assert appending.is_alive() and read_records(history) == [], "appended while another process held the lock"
        holder.stdin.write("go\n")
        holder.stdin.flush()
        appending.join(10)
        assert not appending.is_alive() and read_records(history) == [{"audit": 1}]
    finally:
        holder.stdin.close()
        holder.wait(10)


def test_journal_and_history_appends_work_without_os_pread(monkeypatch, tmp_path):
    from xmpaudit.write.journal import Journal

    monkeypatch.delattr(os, "pread")  # as on Windows
    journal = Journal(tmp_path / "j.jsonl")
    journal.append([{"run": "a", "event": "intent"}])
    with open(journal.path, "ab") as torn:
        torn.write(b'{"run": "cut')  # a crash mid-record
    journal.append([{"run": "b", "event": "intent"}])
    assert [r["run"] for r in journal.read()] == ["a", "b"]
    assert (tmp_path / "j.jsonl.torn").read_bytes() == b'{"run": "cut\n'
    history = tmp_path / "history.jsonl"
    history.write_bytes(b'{"audit": 0}\n{"cut')
    append_record({"audit": 1}, history)
    assert read_records(history) == [{"audit": 0}, {"audit": 1}]
