"""Python source literals for text from the references: strings and docstrings."""

from __future__ import annotations

import json
import textwrap


def string_literal(text: str) -> str:
    """Return a double-quoted Python string literal for `text`.

    JSON string syntax is a subset of Python's, so json.dumps gives a valid literal.
    """
    return json.dumps(text, ensure_ascii=False)


def docstring(paragraphs: list[str], indent: str) -> str:
    """Return a triple-quoted docstring from paragraphs, indented for its place.

    Backslashes and quotes are escaped, so Markdown from the references such as
    `\\d` or a closing `"` cannot end the literal or make an invalid escape.
    """
    blocks = [_clean(paragraph) for paragraph in paragraphs]
    lines = "\n\n".join(block for block in blocks if block).split("\n") or [""]
    escaped = [_escape(line) for line in lines]
    if escaped[-1].endswith('"'):
        escaped[-1] = escaped[-1][:-1] + '\\"'
    if len(escaped) == 1:
        return f'"""{escaped[0]}"""'
    body = "\n".join(indent + line if line else "" for line in escaped[1:])
    return f'"""{escaped[0]}\n{body}\n{indent}"""'


def _clean(text: str) -> str:
    lines = [line.rstrip() for line in text.expandtabs(4).strip("\n").split("\n")]
    return textwrap.dedent("\n".join(lines)).strip()


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
