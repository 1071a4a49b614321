"""Render the Go module: go.mod, README.md, doc.go, tcclient/ and one package per service."""

from __future__ import annotations

from importlib import resources

import jinja2

from generator.emit import Files, PackageOptions
from generator.model import Model
from targets.templating import template_environment

from .naming import RUNTIME_PACKAGE, GoNaming
from .view import GENERATOR, ModuleView, build_module, readme_example


class GoTarget:
    """The Go emitter (generator.emit.Target)."""

    language = "go"

    def __init__(self) -> None:
        self.naming = GoNaming()

    def emit(self, model: Model, options: PackageOptions) -> Files:
        module = build_module(model, options, self.naming)
        environment = template_environment("targets.go")
        files: Files = {
            "go.mod": environment.get_template("go.mod.j2").render(module=module),
            "doc.go": environment.get_template("doc.go.j2").render(module=module),
            "README.md": environment.get_template("README.md.j2").render(
                module=module, generator=GENERATOR, example=readme_example(model, module, self.naming)
            ),
        }
        files.update(_runtime_files(module))
        files.update(_service_files(environment, module))
        return dict(sorted(files.items()))


def _runtime_files(module: ModuleView) -> Files:
    """The hand-written runtime, copied as it is below the generated-code header."""
    files: Files = {}
    for entry in resources.files("targets.go").joinpath("runtime").iterdir():
        if entry.name.endswith(".go"):
            files[f"{RUNTIME_PACKAGE}/{entry.name}"] = f"{module.header}\n\n{entry.read_text(encoding='utf-8')}"
    return files


def _service_files(environment: jinja2.Environment, module: ModuleView) -> Files:
    templates = {
        name: environment.get_template(f"{name}.go.j2") for name in ("service_doc", "client", "events")
    }
    files: Files = {}
    for service in module.services:
        directory = service.package
        files[f"{directory}/doc.go"] = templates["service_doc"].render(module=module, service=service)
        if service.has_client:
            files[f"{directory}/client.go"] = templates["client"].render(module=module, service=service)
        if service.has_events:
            files[f"{directory}/events.go"] = templates["events"].render(module=module, service=service)
    return files
