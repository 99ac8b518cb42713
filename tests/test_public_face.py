"""The public face ``xmpaudit/__init__.py``: every public name is its owner's object, whatever was imported first."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import xmpaudit


def test_every_public_name_is_the_object_its_owner_defines():
    for name, owner in xmpaudit._OWNERS.items():
        module = importlib.import_module(owner)
        expected = module if name in xmpaudit._MODULES else getattr(module, name)
        assert getattr(xmpaudit, name) is expected, name


def test_functions_named_like_their_module_are_the_functions():
    assert callable(xmpaudit.headline) and not isinstance(xmpaudit.headline, types.ModuleType)
    assert callable(xmpaudit.writeback_preflight) and not isinstance(xmpaudit.writeback_preflight, types.ModuleType)
    assert isinstance(xmpaudit.plots, types.ModuleType)


def test_a_sub_package_imported_first_does_not_hide_the_public_audit():
    code = ("import xmpaudit.audit.compare\n"
            "from xmpaudit import audit\n"
            "from xmpaudit.audit.compare import audit as owner\n"
            "assert audit is owner, audit\n"
            "print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_importing_xmpaudit_loads_no_sub_package():
    code = "import sys, xmpaudit\nprint(sorted(m for m in sys.modules if m.startswith('xmpaudit.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "['xmpaudit.core', 'xmpaudit.core.version']", done.stderr
