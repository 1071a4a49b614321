"""Whole generated clients compared file by file with the committed goldens.

Each folder under tests/golden/ is one case: `CASE.md` says what it covers,
`source.txt` names the source (relative to the repository), and `expected/`
holds every generated file. Goldens change only through the update flag:

    .venv/bin/nox -s tests -- tests/test_golden.py --update-goldens
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from generator.config import read_config
from generator.emit import LANGUAGES, PackageOptions, generate
from generator.pipeline import load_model

REPOSITORY = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_COMMAND = ".venv/bin/nox -s tests -- tests/test_golden.py --update-goldens"
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "source.txt").is_file())


def generated_files(case: str) -> dict[str, str]:
    source = REPOSITORY / (GOLDEN / case / "source.txt").read_text().strip()
    options = read_config(source).packages if (source / "deployment.json").is_file() else PackageOptions()
    trees = generate(load_model(str(source)), options, LANGUAGES)
    return {f"{language}/{path}": text for language, files in trees.items() for path, text in files.items()}


def expected_files(case: str) -> dict[str, str]:
    root = GOLDEN / case / "expected"
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def write_expected(case: str, files: dict[str, str]) -> None:
    root = GOLDEN / case / "expected"
    shutil.rmtree(root, ignore_errors=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, request: pytest.FixtureRequest) -> None:
    actual = generated_files(case)
    if request.config.getoption("--update-goldens"):
        write_expected(case, actual)
    expected = expected_files(case)
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    assert not missing, f"files missing from the generated {case}: {missing}; if intended, run: {UPDATE_COMMAND}"
    assert not extra, f"files new in the generated {case}: {extra}; if intended, run: {UPDATE_COMMAND}"
    for relative in sorted(expected):
        if actual[relative] != expected[relative]:
            diff = "".join(
                difflib.unified_diff(
                    expected[relative].splitlines(keepends=True),
                    actual[relative].splitlines(keepends=True),
                    f"golden/{relative}",
                    f"generated/{relative}",
                )
            )
            pytest.fail(f"{relative} differs from the golden {case}:\n{diff[:6000]}\n"
                        f"if the change is intended, run: {UPDATE_COMMAND}")
