"""A local AEM-compatible HTTP server with a generated demo DAM (see ``python -m xmpaudit.simulator``)."""

from .cloud_limits import CloudLimits
from .demo import DemoSpec, build_demo_repository
from .repository import Node, Property, Repository
from .server import Simulator

__all__ = ["CloudLimits", "DemoSpec", "Node", "Property", "Repository", "Simulator", "build_demo_repository"]
