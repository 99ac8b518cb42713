"""The one way to register a verb: a subparser whose function is imported only when the verb runs."""

from __future__ import annotations

import argparse
import importlib

SubParsers = argparse._SubParsersAction  # what ``ArgumentParser.add_subparsers`` returns


class Verb:
    """A verb's function named ``module:function``, imported on its first call (so ``--help`` imports no verb)."""

    def __init__(self, target: str) -> None:
        self.module, _, self.function = target.partition(":")

    def __call__(self, args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(self.module), self.function)(args))

    def __repr__(self) -> str:
        return f"Verb('{self.module}:{self.function}')"


def add_verb(subparsers: SubParsers, name: str, target: str, help: str, **kwargs: str) -> argparse.ArgumentParser:
    """The subparser of verb ``name``, running ``target`` (``module:function``, taking the parsed arguments)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help, **kwargs)
    parser.set_defaults(func=Verb(target))
    return parser
