"""docs/connecting.md's curl block, run as written against the simulator: the read answers, the POST with the CSRF
token from /libs/granite/csrf/token.json writes, and the same POST without the token is refused with 403."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEMO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")]

PAGE = Path(__file__).resolve().parents[1] / "docs" / "connecting.md"


def _curl_block() -> str:
    block = re.search(r"<!-- the block below is run .*?-->\n```bash\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert block, "docs/connecting.md lost its curl block"
    return block.group(1)


def test_the_curl_block_reads_and_writes_with_the_csrf_token(simulator, client):
    hits = client.get_json("/bin/querybuilder.json", {"path": DEMO_ROOT, "type": "dam:Asset", "p.limit": "-1"})
    asset = next(h["path"] for h in hits["hits"] if re.fullmatch(r"[\w/.-]+", h["path"]))  # no URL escaping
    lines = _curl_block().splitlines()
    assert lines[0].startswith("AEM=") and "CSRF-Token: $TOKEN" in lines[-1]
    script = "\n".join([f"AEM={simulator.url} AUTH=admin:admin ASSET='{asset}'", "set -e", *lines[1:]])
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert client.read_tree(f"{asset}/jcr:content/metadata", 0)["xmpaudit-access-check"] == "ok"
    without = lines[-1].replace('-H "CSRF-Token: $TOKEN" ', "").replace("-fsu", "-s -o /dev/null -w '%{http_code}' -u")
    refused = subprocess.run(["bash", "-c", f"AEM={simulator.url} AUTH=admin:admin ASSET='{asset}'\n{without}"],
                             capture_output=True, text=True, timeout=60)
    assert refused.stdout.strip() == "403"
