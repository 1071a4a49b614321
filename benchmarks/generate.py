"""Time `tcgen generate` for Python, Go and JS on the largest real references bundle.

Prints wall time per stage, the whole command's wall time in a separate
process, and this process's peak memory (max RSS, Linux reports KiB). The floor in the
same run is reading and parsing the bundle with json alone: no generator can
be faster than that, so it shows how much of the time is the generator's own.

    python benchmarks/generate.py [--bundle PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = REPOSITORY.parent / "shared/specs/taskcluster/references-106.0.0.json"
GOAL_SECONDS = 0.5
GOAL_MEGABYTES = 150


def run_once(bundle: Path, out: Path) -> dict[str, float]:
    """One full `tcgen generate` run, timed stage by stage."""
    from generator.emit import LANGUAGES, PackageOptions, generate, write_trees
    from generator.pipeline import load_model

    started = time.perf_counter()
    model = load_model(str(bundle))
    modelled = time.perf_counter()
    trees = generate(model, PackageOptions(), LANGUAGES)
    emitted = time.perf_counter()
    write_trees(trees, out)
    written = time.perf_counter()
    return {
        "model": modelled - started,
        "emit": emitted - modelled,
        "write": written - emitted,
        "total": written - started,
    }


def command_seconds(bundle: Path, out: Path) -> float:
    """Wall time of `tcgen generate` as a separate process, interpreter start-up included."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "generator.cli", "generate", "--source", str(bundle), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=REPOSITORY,
    )
    return time.perf_counter() - started


def json_floor(bundle: Path) -> float:
    started = time.perf_counter()
    json.loads(bundle.read_bytes())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="references bundle to generate from")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the first (default 5)")
    args = parser.parse_args()
    if not args.bundle.is_file():
        print(f"bundle {args.bundle} not found; pass --bundle", file=sys.stderr)
        return 2

    imports_started = time.perf_counter()
    # Timed, because a command pays for these imports at start-up.
    import generator.pipeline  # noqa: F401
    import targets.go
    import targets.js
    import targets.python  # noqa: F401
    imports = time.perf_counter() - imports_started

    with tempfile.TemporaryDirectory() as scratch:
        first = run_once(args.bundle, Path(scratch) / "first")
        runs = [run_once(args.bundle, Path(scratch) / f"run{index}") for index in range(args.repeat)]
        commands = [command_seconds(args.bundle, Path(scratch) / f"command{index}") for index in range(3)]
    peak_megabytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    floor = min(json_floor(args.bundle) for _ in range(3))

    print(f"bundle: {args.bundle.name}")
    print(f"imports: {imports:.3f} s")
    print(f"first run (cold, as one tcgen command): {first['total'] + imports:.3f} s "
          f"(model {first['model']:.3f}, emit {first['emit']:.3f}, write {first['write']:.3f})")
    for stage in ("model", "emit", "write", "total"):
        print(f"median {stage}: {statistics.median(run[stage] for run in runs):.3f} s over {len(runs)} runs")
    print(f"tcgen generate as a command: median {statistics.median(commands):.3f} s over {len(commands)} runs")
    print(f"json.loads of the bundle alone (floor): {floor:.3f} s")
    print(f"peak memory (max RSS): {peak_megabytes:.1f} MB")
    print(f"goal: <= {GOAL_SECONDS} s and <= {GOAL_MEGABYTES} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
