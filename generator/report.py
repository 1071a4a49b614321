"""Render a diff report for people (text, Markdown) or for CI (JSON)."""

from __future__ import annotations

import json
from typing import Any

from .diff import Report

FORMATS = ("text", "markdown", "json")


def render(report: Report, fmt: str) -> str:
    """Render the report in one of FORMATS."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _markdown(report)
    return _text(report)


def _describe(change: dict[str, Any]) -> str:
    detail = ""
    if change["old"] is not None and change["new"] is not None:
        detail = f": {_short(change['old'])} -> {_short(change['new'])}"
    elif change["new"] is not None:
        detail = f": {_short(change['new'])}"
    elif change["old"] is not None:
        detail = f": {_short(change['old'])}"
    note = f" ({change['note']})" if "note" in change else ""
    return f"{change['kind']} {change['subject']}{detail}{note}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _bumps(change: dict[str, Any]) -> str:
    return ", ".join(f"{language} {bump}" for language, bump in change["bump"].items())


def _text(report: Report) -> str:
    lines = ["bump: " + ", ".join(f"{language} {report.bump(language)}" for language in report.languages)]
    if not report.changes:
        lines.append("no changes")
    for change in report.changes:
        lines.append(f"- [{change['level']}] {_describe(change)}")
        lines.append(f"    at {change['path']}; {_bumps(change)}")
    return "\n".join(lines) + "\n"


def _markdown(report: Report) -> str:
    lines = ["## API changes", "", "| language | bump |", "| --- | --- |"]
    lines += [f"| {language} | {report.bump(language)} |" for language in report.languages]
    lines.append("")
    if not report.changes:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    header = "| change | level | where | " + " | ".join(report.languages) + " |"
    lines += [header, "|" + " --- |" * (3 + len(report.languages))]
    for change in report.changes:
        cells = [_describe(change).replace("|", "\\|"), change["level"], f"`{change['path']}`"]
        cells += [change["bump"][language] for language in report.languages]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
