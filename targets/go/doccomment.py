"""Doc comments written in the form gofmt prints them, so generated code stays gofmt-clean.

gofmt (Go 1.19 and later) reparses every top-level doc comment with
go/doc/comment and prints it back. Text from the references is Markdown, so it
is reduced to what that parser keeps as it is: unindented paragraphs separated
by one blank line, code blocks indented by one tab, and headings written as
"# Title". A line that go/doc/comment would take as an old-style heading (a
short capitalised line alone between paragraphs) is written as "# Title" too,
which is what gofmt would turn it into.
"""

from __future__ import annotations

from dataclasses import dataclass

# Characters that stop a line from being an old-style heading (go/doc/comment isOldHeading).
_NOT_IN_OLD_HEADING = set(";:!?+*/=[]{}_^°&§~%#@<\">\\")


@dataclass(frozen=True)
class Block:
    """A paragraph (lines of text) or, with `code`, preformatted lines."""

    lines: tuple[str, ...]
    code: bool = False


def text_blocks(text: str) -> list[Block]:
    """Split Markdown text into paragraphs of stripped lines.

    Indentation is dropped, because go/doc/comment would read indented lines as
    code blocks or lists and gofmt would rewrite them.
    """
    # TODO(#2): Markdown code blocks and lists lose their indentation here; render them as Go doc code blocks and lists.
    blocks: list[Block] = []
    current: list[str] = []
    for raw in text.replace("\r", "").split("\n"):
        line = _without_quote_pairs(raw.strip())
        if line:
            current.append(line)
        elif current:
            blocks.append(Block(tuple(current)))
            current = []
    if current:
        blocks.append(Block(tuple(current)))
    return [_unlinked(block) if _is_link_definitions(block) else block for block in blocks]


def _without_quote_pairs(line: str) -> str:
    """Separate "``" and "''", which gofmt would turn into typographic quotes in text."""
    while "``" in line or "''" in line:
        line = line.replace("``", "` `").replace("''", "' '")
    return line


def code_block(lines: list[str]) -> list[Block]:
    """Build a code block without the lines' common leading spaces, or no block for no lines."""
    lines = [line.rstrip() for line in lines]
    if not any(lines):
        return []
    indent = min(len(line) - len(line.lstrip(" ")) for line in lines if line)
    return [Block(tuple(line[indent:] for line in lines), code=True)]


def comment(blocks: list[Block]) -> list[str]:
    """Render blocks as `//` comment lines in gofmt's canonical form."""
    plain: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            plain.append("")
        plain.extend("\t" + line if block.code and line else line for line in block.lines)
    for index, line in enumerate(plain):
        if _is_heading(line) and _alone(plain, index):
            plain[index] = "# " + line[1:].strip()
        elif _is_old_heading(plain, index):
            plain[index] = "# " + line
    return [_comment_line(line) for line in plain]


def _comment_line(line: str) -> str:
    if not line:
        return "//"
    if line.startswith("\t"):
        return "//" + line
    return "// " + line


def _alone(lines: list[str], index: int) -> bool:
    before = index == 0 or lines[index - 1] == ""
    after = index + 1 == len(lines) or lines[index + 1] == ""
    return before and after


def _is_heading(line: str) -> bool:
    return len(line) >= 2 and line[0] == "#" and line[1] in " \t" and line.strip() != "#"


def _is_old_heading(lines: list[str], index: int) -> bool:
    """Port of go/doc/comment's isOldHeading."""
    if index <= 0 or lines[index - 1] != "" or index + 2 >= len(lines) or lines[index + 1] != "":
        return False
    if lines[index + 2][:1] in (" ", "\t"):
        return False
    line = lines[index].strip()
    if not line or not (line[0].isalpha() and line[0].isupper()):
        return False
    if not (line[-1].isalpha() or line[-1].isdigit()):
        return False
    if _NOT_IN_OLD_HEADING & set(line):
        return False
    for after in line.split("'")[1:]:
        if after != "s" and not after.startswith("s "):
            return False
    for after in line.split(".")[1:]:
        if after == "" or after.startswith(" "):
            return False
    return True


def _is_link_definitions(block: Block) -> bool:
    """Report whether go/doc/comment would take every line as a link definition "[text]: url"."""
    return all(_is_link_definition(line) for line in block.lines)


def _is_link_definition(line: str) -> bool:
    if not line.startswith("["):
        return False
    end = line.find("]:")
    if end < 0 or end + 3 >= len(line) or line[end + 2] not in " \t":
        return False
    url = line[end + 3 :].strip()
    scheme, found, _ = url.partition("://")
    return bool(found) and scheme.isalpha()


def _unlinked(block: Block) -> Block:
    """Keep link definitions as visible text: gofmt would move real ones to the comment's end."""
    return Block(tuple(line.replace("]:", "]", 1) for line in block.lines))
