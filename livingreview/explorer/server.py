"""A Jupyter server extension for the explorer as Binder serves it (Jupyter server's Voilà
extension at voila/render/book/explore.ipynb): Voilà's page templates compiled once per server.

Voilà makes a new nbconvert exporter, with a new Jinja environment, for every visit, so Jinja
parsed and compiled the page's templates (the explorer's, Voilà's lab template and nbconvert's
below it) on every visit: about 0.3 s of the server's time before the page's first byte, during
which the server serves nothing else (measured with py-spy on the bench machine). The templates'
compiled code is kept here, in memory, for the server's life: Jinja's bytecode cache, keyed by
each template's name and a checksum of its source, so an edited template is compiled again.

Enabled where the explorer is served by Jupyter server: binder/postBuild (Binder), the explorer's
Binder-as-it-runs test and the benchmark. Standalone `voila` is not a Jupyter server and does not
load it.
"""

from __future__ import annotations

from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, kept in this process (Jinja ships only a file-system cache)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


#: This module's name, as Jupyter server's configuration enables it (ServerApp.jpserver_extensions).
SERVER_EXTENSION = __name__

#: The server's one cache, shared by every exporter's environment.
TEMPLATE_CACHE = MemoryBytecodeCache()


def cache_compiled_templates() -> None:
    """Give every nbconvert exporter's Jinja environment TEMPLATE_CACHE (once per process)."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "_lr_cached", False):
        return

    def _create_environment(self: Any) -> Any:
        environment = create(self)
        environment.bytecode_cache = TEMPLATE_CACHE
        return environment

    _create_environment._lr_cached = True  # type: ignore[attr-defined]
    TemplateExporter._create_environment = _create_environment  # type: ignore[method-assign]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": SERVER_EXTENSION}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    cache_compiled_templates()
    serverapp.log.debug("livingreview: page templates compiled once per server")
