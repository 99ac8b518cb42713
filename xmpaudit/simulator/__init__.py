"""A local AEM-compatible HTTP server with a generated demo DAM (see ``python -m xmpaudit.simulator``)."""

from xmpaudit.simulator.cloud_limits import CloudLimits
from xmpaudit.simulator.demo import DemoSpec, build_demo_repository
from xmpaudit.simulator.repository import Node, Property, Repository
from xmpaudit.simulator.server import Simulator

__all__ = ["CloudLimits", "DemoSpec", "Node", "Property", "Repository", "Simulator", "build_demo_repository"]
