"""Every error code of netrun-auth, collected from the code itself, as one Markdown table.

Used two ways:

- as a MkDocs hook (``hooks:`` in ``mkdocs.yml``): the marker ``<!-- error-codes -->`` in
  ``docs/api/errors.md`` is replaced by the table at build time, so the page cannot drift;
- as a script: ``python docs/hooks/error_codes.py`` prints the table.

Where the codes come from:

1. Python: every subclass of ``netrun_auth.exceptions.NetrunAuthError`` found after importing
   every module of the package (its ``default_code`` and ``status_code``, its docstring), and
   every call of such a class with a ``code=`` argument (a string literal or a module-level
   constant), found by walking the package's syntax trees (the call's message, or the
   enclosing function's docstring, says when it happens).
2. The Rust engine: the ``Error`` enum (a variant's doc comment says when), ``Error::code``
   (variant -> code) and ``Error::kind`` (variant -> kind), read from the engine's sources;
   the bindings' ``class_name`` (kind -> Python exception class).

Anything that cannot be resolved (a ``code=`` that is neither a literal nor a constant, a
Rust variant without a code) raises ``ErrorTableError``: the build fails instead of lying.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "python" / "netrun_auth"
ENGINE_SRC = ROOT / "crates" / "netrun-auth" / "src"
BINDINGS_SRC = ROOT / "crates" / "netrun-auth-py" / "src"
MARKER = "<!-- error-codes -->"
PAGE = "api/errors.md"


class ErrorTableError(RuntimeError):
    """The table cannot be built truthfully from the code."""


@dataclass
class Row:
    """One error code: its status, the exception classes raising it, when, and where."""

    code: str
    status: set[int] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    when: list[str] = field(default_factory=list)
    where: set[str] = field(default_factory=set)

    fallback: str = ""

    def add(self, status: int, cls: str, when: str, where: str) -> None:
        self.status.add(status)
        self.classes.add(cls)
        when = " ".join(when.split())
        if when and when not in self.when:
            self.when.append(when)
        self.where.add(where)

    def describe(self) -> str:
        """What the raise sites say; the class docstring only when they say nothing."""
        return "; ".join(w.rstrip(".") for w in self.when) or self.fallback.rstrip(".")


# ----------------------------------------------------------------------------- Python


def _import_package() -> tuple[type, list[object]]:
    """Import netrun_auth and every submodule; the root exception class and the modules."""
    sys.path.insert(0, str(PACKAGE_DIR.parent))
    try:
        exceptions = importlib.import_module("netrun_auth.exceptions")
        package = importlib.import_module("netrun_auth")
        modules: list[object] = [package]
        for info in pkgutil.walk_packages(package.__path__, "netrun_auth."):
            if info.name.rsplit(".", 1)[-1].startswith("__"):
                continue
            modules.append(importlib.import_module(info.name))
    finally:
        sys.path.remove(str(PACKAGE_DIR.parent))
    return exceptions.NetrunAuthError, modules


def _subclasses(root: type) -> Iterator[type]:
    yield root
    for sub in root.__subclasses__():
        yield from _subclasses(sub)


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    paragraph = inspect.cleandoc(text).split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def _python_rows(rows: dict[str, Row]) -> None:
    root, modules = _import_package()
    classes = {
        cls.__name__: cls for cls in _subclasses(root) if cls.__module__.startswith("netrun_auth")
    }
    for cls in classes.values():
        status = int(cls.status_code)
        row = rows.setdefault(cls.default_code, Row(cls.default_code))
        row.add(status, cls.__name__, "", f"`{cls.__module__}`")
        row.fallback = row.fallback or _first_sentence(cls.__doc__)
    by_name = {getattr(m, "__name__", ""): m for m in modules}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        module_name = ".".join(relative.parts).removesuffix(".__init__")
        module = by_name.get(module_name)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for functions, call in _calls(tree):
            name = _callee(call)
            if name not in classes:
                continue
            code_arg = next((k.value for k in call.keywords if k.arg == "code"), None)
            if code_arg is None:
                continue
            code = _resolve(code_arg, module, path, call)
            cls = classes[name]
            status = cls.status_code
            status_arg = next((k.value for k in call.keywords if k.arg == "status_code"), None)
            if status_arg is not None:
                status = _resolve(status_arg, module, path, call)
            when = ""
            if (
                call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
            ):
                when = call.args[0].value
            else:
                when = next(
                    (d for f in functions if (d := _first_sentence(ast.get_docstring(f)))), ""
                )
            row = rows.setdefault(code, Row(code))
            row.add(int(status), name, when, f"`{module_name}`")


def _calls(tree: ast.AST) -> Iterator[tuple[list[ast.AST], ast.Call]]:
    """Every call in ``tree`` with its enclosing functions, innermost first."""

    def walk(node: ast.AST, functions: list[ast.AST]) -> Iterator[tuple[list[ast.AST], ast.Call]]:
        for child in ast.iter_child_nodes(node):
            inner = functions
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = [child, *functions]
            if isinstance(child, ast.Call):
                yield functions, child
            yield from walk(child, inner)

    yield from walk(tree, [])


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _resolve(node: ast.expr, module: object, path: Path, call: ast.Call) -> object:
    """A literal, or a module-level constant (looked up on the imported module)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and module is not None and hasattr(module, node.id):
        return getattr(module, node.id)
    raise ErrorTableError(
        f"{path.relative_to(ROOT)}:{call.lineno}: `{ast.unparse(node)}` is not a literal or a "
        "module constant; give the error code as a string literal or a named constant"
    )


# ------------------------------------------------------------------------------- Rust


def _rust_files(directory: Path) -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(directory.rglob("*.rs"))]


def _block(text: str, start: int) -> str:
    """The text between the first ``{`` at or after ``start`` and its matching ``}``."""
    opening = text.index("{", start)
    depth = 0
    for i in range(opening, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[opening + 1 : i]
    raise ErrorTableError("unbalanced braces")


def _find(files: list[tuple[Path, str]], pattern: str, what: str) -> tuple[Path, str]:
    found = [
        (path, _block(text, m.end())) for path, text in files for m in re.finditer(pattern, text)
    ]
    if len(found) != 1:
        raise ErrorTableError(
            f"expected exactly one {what} in the Rust sources, found {len(found)}"
        )
    return found[0]


def _arms(body: str, left: str, right: str) -> tuple[dict[str, str], str | None]:
    """``{variant: value}`` of a ``match`` whose arms read ``<left>::V ... => <right>``.

    An arm may list several variants (``A { .. } | B(_) =>``), span lines, and have a
    block body (``=> { value }``); ``_ => value`` is returned as the default.
    """
    variant = rf"{left}::\w+\s*(?:\{{[^{{}}]*\}}|\([^()]*\))?"
    arm = re.compile(rf"((?:\|?\s*{variant}\s*)+|\b_\s*)=>\s*\{{?\s*{right}")
    mapping: dict[str, str] = {}
    default = None
    for match in arm.finditer(body):
        lhs, value = match.group(1), match.group(2)
        if lhs.strip() == "_":
            default = value
        for name in re.findall(rf"\b{left}::(\w+)", lhs):
            mapping[name] = value
    return mapping, default


def _variants(body: str) -> dict[str, str]:
    """``{variant: its doc comment}`` of an enum body."""
    docs: dict[str, str] = {}
    comment: list[str] = []
    depth = 0
    for line in body.splitlines():
        stripped = line.strip()
        if depth == 0 and stripped.startswith("///"):
            comment.append(stripped[3:].strip())
            continue
        match = re.match(r"([A-Z]\w*)\b", stripped) if depth == 0 else None
        if match:
            docs[match.group(1)] = " ".join(comment)
            comment = []
        elif depth == 0 and not stripped.startswith("#"):
            comment = comment if not stripped else []
        depth += line.count("{") + line.count("(") - line.count("}") - line.count(")")
    return docs


def _rust_rows(rows: dict[str, Row]) -> None:
    engine = _rust_files(ENGINE_SRC)
    enum_path, enum_body = _find(engine, r"pub enum Error\b", "`pub enum Error`")
    _, code_body = _find(engine, r"pub fn code\(&self\)[^{]*", "`Error::code`")
    _, kind_body = _find(engine, r"pub fn kind\(&self\)[^{]*", "`Error::kind`")
    _, class_body = _find(
        _rust_files(BINDINGS_SRC), r"fn class_name\(kind: ErrorKind\)[^{]*", "`class_name`"
    )
    variants = _variants(enum_body)
    codes, _ = _arms(code_body, "Error", r'"([a-z0-9_]+)"')
    kinds, default_kind = _arms(kind_body, "Error", r"ErrorKind::(\w+)")
    class_of, default_class = _arms(class_body, "ErrorKind", r'"(\w+)"')
    if not variants or not codes:
        raise ErrorTableError(f"no variants or codes found in {enum_path.relative_to(ROOT)}")
    exceptions = importlib.import_module("netrun_auth.exceptions")
    for variant, when in variants.items():
        if variant not in codes:
            raise ErrorTableError(f"engine Error::{variant} has no code in Error::code")
        kind = kinds.get(variant, default_kind)
        cls_name = class_of.get(kind or "", default_class)
        cls = getattr(exceptions, cls_name or "", None)
        if cls is None:
            raise ErrorTableError(f"Error::{variant} (kind {kind}) maps to no exception class")
        row = rows.setdefault(codes[variant], Row(codes[variant]))
        row.add(int(cls.status_code), cls_name, when, "engine (Rust)")


# ----------------------------------------------------------------------------- output


def collect() -> list[Row]:
    """Every error code in the code base, sorted by status then code."""
    rows: dict[str, Row] = {}
    _rust_rows(rows)
    _python_rows(rows)
    return sorted(rows.values(), key=lambda r: (min(r.status), r.code))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(rows: list[Row]) -> str:
    """The Markdown table of ``rows``."""
    lines = [
        "| code | status | exception | when it happens | code set in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        status = ", ".join(str(s) for s in sorted(row.status))
        classes = ", ".join(f"`{c}`" for c in sorted(row.classes))
        when = row.describe()
        where = ", ".join(sorted(row.where))
        lines.append(f"| `{row.code}` | {status} | {classes} | {_cell(when)} | {where} |")
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs hook: put the generated table in place of the marker on the errors page."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ErrorTableError(f"{PAGE} lost its marker {MARKER}")
    return markdown.replace(MARKER, render(collect()))


if __name__ == "__main__":
    print(render(collect()), end="")
