"""The Jinja2 environment every emitter renders its templates with."""

from __future__ import annotations

import jinja2


def template_environment(package: str) -> jinja2.Environment:
    """An environment for the `templates/` folder of a target package such as `targets.go`.

    Undefined names raise, so a template can never render a missing view value as
    an empty string; nothing is escaped, because the output is source code.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
