"""MkDocs hook: stand-ins for pages (and API modules) that other branches are still bringing.

``mkdocs.yml`` lists them under ``extra.pending_pages``::

    extra:
      pending_pages:
        - {path: oidc.md, title: OpenID Connect providers, by: issue 11}
        - {path: api/oidc.md, title: netrun_auth.oidc, module: netrun_auth.oidc, by: issue 11}

For each entry whose file is *not* in ``docs/``, a page is generated at that path, so the
navigation and every link to it hold and ``mkdocs build --strict`` passes:

- with ``module``: the API reference of that module (``::: module``) when its source is in
  ``python/``, otherwise a short "not yet available" note;
- without: a short note naming who brings the page.

Once the real file exists it is used and the entry does nothing (the build log says so at
INFO level: delete the entry then). The generated pages are never written to ``docs/``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.pending_pages")
ROOT = Path(__file__).resolve().parents[2]


def _module_exists(module: str) -> bool:
    base = ROOT / "python" / Path(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _content(entry: dict) -> str:
    title = entry.get("title") or entry["path"]
    module = entry.get("module")
    if module and _module_exists(module):
        return f"# `{module}`\n\n::: {module}\n"
    what = f"The API reference of `{module}`" if module else "This page"
    return (
        f"# {title}\n\n"
        f'!!! note "Coming with {entry.get("by", "another change")}"\n\n'
        f"    {what} is being written and lands with {entry.get('by', 'another change')}.\n"
    )


def on_files(files, config):
    """Add a generated page for every pending entry whose file is missing."""
    for entry in config["extra"].get("pending_pages", []):
        path = entry["path"]
        if files.get_file_from_path(path) is not None:
            log.info("pending page %s now exists: its entry in extra.pending_pages can go", path)
            continue
        log.info("pending page %s: generated stand-in (%s)", path, entry.get("by", "?"))
        files.append(File.generated(config, path, content=_content(entry)))
    return files
