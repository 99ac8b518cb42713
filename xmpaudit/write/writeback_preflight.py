"""Writeback pre-flight: the model, its step, launchers, live copies and the assets, as findings; errors block."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.workflow_models import (
    XMP_WRITEBACK_PROCESS,
    Launcher,
    ProcessStep,
    read_launchers,
    read_tree_or_none,
    runtime_model_steps,
)
from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.core.number_words import counted
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.hits import hit_content, hit_metadata

CLOUD_NOTES = (
    "AEM as a Cloud Service ships XMP writeback switched off (its launcher is disabled): binaries change only "
    "when a writeback is started, as here.",
    "Writeback breaks MSM inheritance: a live-copy asset whose binary is rewritten stops receiving its "
    "blueprint's rollouts for that binary.",
)


CREATEVERSION_NOTE = ("createversion:true needs a user id to own the version: on AEM as a Cloud Service a "
                      "workflow started by a technical account (service credentials) may fail to create it.")


@dataclass(frozen=True)
class Finding:
    """One pre-flight finding: ``level`` error (blocks), warning (needs --force) or note (for information)."""

    level: str
    code: str
    message: str


@dataclass
class WritebackPreflight:
    """What was checked before starting writeback: the model's step and arguments, launchers, live copies."""

    model: str
    assets: list[str]
    steps: list[ProcessStep] = field(default_factory=list)
    launchers: list[Launcher] = field(default_factory=list)
    live_copies: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def _messages(self, level: str) -> list[str]:
        return [f.message for f in self.findings if f.level == level]

    @property
    def errors(self) -> list[str]:
        return self._messages("error")

    @property
    def warnings(self) -> list[str]:
        return self._messages("warning")

    @property
    def notes(self) -> list[str]:
        return self._messages("note")

    @property
    def ok(self) -> bool:
        """No errors (warnings still need a deliberate confirmation)."""
        return not self.errors

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def summary(self) -> str:
        verdict = ("ready" if not self.warnings else "ready with warnings") if self.ok else "NOT ready"
        lines = [f"Writeback pre-flight for {counted(len(self.assets), 'asset')} with {self.model}: {verdict}"]
        for finding in self.findings:
            lines.append(f"  {finding.level}: {finding.message}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colours = {"error": "#b00020", "warning": "#a15c00", "note": "#555"}
        items = "".join(f"<li style='color:{colours[f.level]}'><b>{f.level}</b>: {html.escape(f.message)}</li>"
                        for f in self.findings)
        head = html.escape(self.summary().splitlines()[0])
        return f"<div><b>{head}</b><ul>{items}</ul></div>"


def writeback_arguments(args: str) -> dict[str, list[str]]:
    """The XMP writeback step's arguments (``key:value`` pairs separated by commas or line breaks)."""
    parsed: dict[str, list[str]] = {}
    for part in args.replace("\n", ",").split(","):
        key, sep, value = part.strip().partition(":")
        if sep:
            parsed.setdefault(key.strip().lower(), []).append(value.strip())
    return parsed


def _live_copies(client: AemClient, assets: list[str]) -> tuple[list[str], list[str]]:
    """(live-copy assets, missing assets), read in batched queries: an asset is a live copy when it or its
    jcr:content carries the ``cq:LiveRelationship`` mixin."""
    hits = read_assets(client, assets)
    live = []
    for path in assets:
        hit = hits.get(path)
        if hit is None:
            continue
        holders = [hit, hit_content(hit), hit_metadata(hit) or {}]
        if any("cq:LiveRelationship" in (h.get("jcr:mixinTypes") or []) for h in holders):
            live.append(path)
    return live, [p for p in assets if p not in hits]


def _short_list(paths: list[str], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" … and {len(paths) - limit} more" if len(paths) > limit else "")


def writeback_preflight(client: AemClient, assets: Iterable[str] | pd.Series | pd.DataFrame,
                        model: str = WRITEBACK_MODEL) -> WritebackPreflight:
    """Check, before anything starts: the model exists and has the XMP writeback step with
    ``createversion:true,rendition:original`` (as the ACS docs require); which launchers start writeback on
    metadata changes and whether they are enabled; which chosen assets are MSM live copies."""
    if isinstance(assets, pd.DataFrame):
        assets = assets["path"]
    paths = list(dict.fromkeys(validate_path(str(a)) for a in assets))
    report = WritebackPreflight(model=model, assets=paths)
    add = report.findings.append
    tree = read_tree_or_none(client, validate_path(model))
    if tree is None:
        add(Finding("error", "model_missing", f"Workflow model {model} does not exist (or may not be read): "
                                              "no writeback can be started with it."))
    else:
        report.steps = runtime_model_steps(model, tree)
        writeback = [s for s in report.steps if s.is_xmp_writeback]
        if not writeback:
            add(Finding("error", "step_missing",
                        f"Model {model} has no XMP Writeback process step ({XMP_WRITEBACK_PROCESS}): the workflow "
                        "would finish without writing anything into the binaries."))
        for step in writeback:
            values = writeback_arguments(step.args)
            if "original" not in values.get("rendition", []):
                add(Finding("warning", "no_rendition_original",
                            f"Step {step.step_title!r} has no rendition:original (arguments {step.args!r}): the "
                            "smart tags will not reach the original binary, which is the file creative "
                            "applications download; every asset will end as not_written_back."))
            if "true" not in [v.lower() for v in values.get("createversion", [])]:
                add(Finding("warning", "no_createversion",
                            f"Step {step.step_title!r} has no createversion:true (arguments {step.args!r}): AEM "
                            "will rewrite each original without saving a version first, so the previous binary "
                            "cannot be restored from the version history."))
            else:
                add(Finding("note", "createversion_user", CREATEVERSION_NOTE))
    report.launchers = [launcher for launcher in read_launchers(client)
                        if launcher.workflow == model and launcher.watches_metadata]
    for launcher in report.launchers:
        if launcher.enabled:
            add(Finding("warning", "launcher_enabled",
                        f"Launcher {launcher.path} is enabled: AEM itself starts {model} whenever metadata under "
                        f"{launcher.glob!r} changes, so the sync has already queued a writeback for each asset; "
                        "starting it here too writes each binary twice (and may loop with DAM Update Asset)."))
        else:
            add(Finding("note", "launcher_disabled",
                        f"Launcher {launcher.path} exists but is disabled: writeback happens only when started."))
    if paths:
        live, missing = _live_copies(client, paths)
        report.live_copies = live
        if live:
            add(Finding("warning", "live_copies",
                        f"{len(live)} of the chosen assets are MSM live copies ({_short_list(live)}): writeback "
                        "rewrites their binary and breaks inheritance from the blueprint; later rollouts no longer "
                        "update it."))
        if missing:
            add(Finding("warning", "missing_assets",
                        f"{len(missing)} chosen assets do not exist: {_short_list(missing)}."))
    for note in CLOUD_NOTES:
        add(Finding("note", "cloud_service", note))
    return report


def check_preflight(preflight: WritebackPreflight, *, force: bool) -> None:
    """Raise ConfigError on errors, and on warnings unless ``force``."""
    if not preflight.ok:
        raise ConfigError("Writeback pre-flight failed: " + " | ".join(preflight.errors))
    if preflight.warnings and not force:
        raise ConfigError(f"Writeback pre-flight has {len(preflight.warnings)} warnings (shown above); "
                          "confirm with --force (force=True) to start anyway")
