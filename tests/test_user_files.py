"""Every file the user names (profile, token, credentials, process arguments, asset list) fails the same way: one
ConfigError naming the option or kind of file and the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmpaudit.aem.auth import dev_token_auth
from xmpaudit.aem.process_args import given_process_args
from xmpaudit.aem.settings import settings_from_profile
from xmpaudit.aem.user_files import read_user_text
from xmpaudit.cli.options import read_assets_file
from xmpaudit.core.errors import ConfigError


def test_reads_utf8_text_and_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "list.txt").write_text("/content/dam/ä.jpg\n", encoding="utf-8")
    assert read_user_text("~/list.txt", "--assets-file") == "/content/dam/ä.jpg\n"


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p.mkdir(), "is a folder, not a file"),
    (lambda p: None, "does not exist"),
    (lambda p: p.write_bytes(b"caf\xe9\n"), "is not UTF-8 text (invalid continuation byte at byte 3)"),
])
def test_each_failure_is_one_line_naming_what_and_where(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "given"
    make(path)
    with pytest.raises(ConfigError) as caught:
        read_user_text(path, "Profile file")
    assert str(caught.value) == f"Profile file {path} {words}"


@pytest.mark.parametrize(("read", "start"), [
    (lambda p: settings_from_profile("x", p), "Profile file "),
    (dev_token_auth, "Development token file "),
    (read_assets_file, "--assets-file "),
    (lambda p: given_process_args(Path(p), "--process-args"), "--process-args: the file "),
])
def test_every_reader_of_a_users_file_words_a_folder_and_bad_bytes_alike(tmp_path: Path, read, start: str) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    latin1 = tmp_path / "latin1"
    latin1.write_bytes(b"caf\xe9=1\n")
    for path, words in ((folder, "is a folder, not a file"), (latin1, "is not UTF-8 text")):
        with pytest.raises(ConfigError) as caught:
            read(str(path) if read is read_assets_file else path)
        message = str(caught.value)
        assert message.startswith(f"{start}{path} {words}") and "\n" not in message
