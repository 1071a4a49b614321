"""tcgen: Taskcluster client generator (references -> model -> clients -> release)."""

__version__ = "0.1.0"
