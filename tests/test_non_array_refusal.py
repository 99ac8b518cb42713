"""A sequenceName naming a node that is not an XMP array is refused before anything is written, and the node is
kept exactly (simulator over HTTP). Behaviour on branch main: the whole run is refused."""

import re

import pytest

from tests.conftest import fixable
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.e2e
NAME = "xmp:location"


@pytest.mark.parametrize("node_type", ["xmpStruct", None], ids=["XMP struct", "plain node"])
def test_node_that_is_not_an_xmp_array_is_refused_and_kept(simulator, client, node_type):
    targets = fixable(client)[:5]
    victim = str(targets["path"].iloc[2])
    node = simulator.repo.require(f"{victim}/jcr:content/metadata").add_child(NAME, "nt:unstructured")
    if node_type:
        node.set("xmpNodeType", node_type)
    node.set("city", "Basel")
    simulator.repo.changed()
    kept = simulator.repo.node(f"{victim}/jcr:content/metadata/{NAME}")
    before = client.read_tree(f"{victim}/jcr:content/metadata/{NAME}")
    simulator.stats.reset()
    refusal = f"sequenceName={NAME} names a node on {victim} that is not an XMP array"
    with pytest.raises(ConfigError, match=re.escape(refusal) + ".*Nothing was written"):
        plan_sync(client, targets, SyncArguments(sequence_name=NAME))
    assert [m for m, _ in simulator.stats.log if m == "POST"] == []
    assert simulator.repo.node(f"{victim}/jcr:content/metadata/{NAME}") is kept
    assert client.read_tree(f"{victim}/jcr:content/metadata/{NAME}") == before
