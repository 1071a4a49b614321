"""The Python emitter: render the view with Jinja2 and add the runtime files."""

from __future__ import annotations

from pathlib import Path

import jinja2

from generator.emit import Files, PackageOptions
from generator.model import Model
from targets.templating import template_environment

from .naming import PythonNaming
from .view import PackageView, build_view

HERE = Path(__file__).parent
RUNTIME_FILES = ("_auth.py", "_client.py", "_events.py")


class PythonTarget:
    """generator.emit.Target for Python: a setuptools package, standard library only."""

    language = "python"

    def __init__(self) -> None:
        self.naming = PythonNaming()

    def emit(self, model: Model, options: PackageOptions) -> Files:
        view = build_view(model, options, self.naming)
        environment = template_environment("targets.python")
        package = view.package
        files: Files = {
            "pyproject.toml": _render(environment, "pyproject.toml.j2", view),
            "README.md": _render(environment, "README.md.j2", view),
            f"{package}/__init__.py": _render(environment, "init.py.j2", view),
            f"{package}/py.typed": "",
        }
        service_template = environment.get_template("service.py.j2")
        for service in view.services:
            files[f"{package}/{service.module}.py"] = service_template.render(package=view, service=service)
        for name in RUNTIME_FILES:
            files[f"{package}/{name}"] = (HERE / "runtime" / name).read_text(encoding="utf-8")
        return dict(sorted(files.items()))


def _render(environment: jinja2.Environment, template: str, view: PackageView) -> str:
    return environment.get_template(template).render(package=view)
