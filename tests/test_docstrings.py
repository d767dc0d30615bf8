"""Every public name of the package says what it does, and what it raises.

The API reference (``docs/api/``) is generated from docstrings, so an undocumented
name is a hole in the site. This walks the public surface of each module with
``inspect`` (its ``__all__``, else the public names it defines) and fails on:

- a public class, function or method (property, classmethod, staticmethod included)
  without a docstring;
- a public function or method whose own body raises a netrun-auth error (``raise
  SomethingError(...)``) while its docstring does not say so ("Raises" / "raise");
  for a class, the same goes for its ``__init__`` and the class docstring.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Iterator
from types import ModuleType

import pytest

import netrun_auth.exceptions

MODULES = [
    "netrun_auth",
    "netrun_auth.audit",
    "netrun_auth.config",
    "netrun_auth.context",
    "netrun_auth.credentials",
    "netrun_auth.dependencies",
    "netrun_auth.exceptions",
    "netrun_auth.integrations.azure_ad",
    "netrun_auth.integrations.openapi",
    "netrun_auth.jwt",
    "netrun_auth.middleware",
    "netrun_auth.oidc",
    "netrun_auth.password",
    "netrun_auth.protection",
    "netrun_auth.providers",
    "netrun_auth.rbac",
    "netrun_auth.redis_mirror",
    "netrun_auth.redis_persistence",
    "netrun_auth.redis_store",
    "netrun_auth.responses",
    "netrun_auth.stores",
    "netrun_auth.types",
]

# Names whose docstring does not yet say what they raise, in files another change is
# still editing (issue 11's integrations): delete an entry once its docstring is fixed.
KNOWN_RAISES_GAPS: set[str] = set()

ERRORS = {
    name
    for name, obj in vars(netrun_auth.exceptions).items()
    if isinstance(obj, type) and issubclass(obj, netrun_auth.exceptions.NetrunAuthError)
}


def public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
    return [name for name in names if not name.startswith("_")]


def members(cls: type) -> Iterator[tuple[str, object]]:
    """The public callables and properties ``cls`` defines itself (not inherited ones)."""
    for name, attr in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            yield name, attr.__func__
        elif isinstance(attr, property):
            yield name, attr.fget
        elif inspect.isfunction(attr):
            yield name, attr


def documented(module_name: str) -> Iterator[tuple[str, object]]:
    """(qualified name, object) of every public class, function and method to check."""
    module = importlib.import_module(module_name)
    for name in public_names(module):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            yield f"{module_name}.{name}", obj
            for member, function in members(obj):
                yield f"{module_name}.{name}.{member}", function
        elif inspect.isfunction(obj):
            yield f"{module_name}.{name}", obj


def own_docstring(obj: object) -> str:
    # The object's own docstring: inspect.getdoc would inherit a base class's.
    doc = getattr(obj, "__doc__", None)
    return doc.strip() if isinstance(doc, str) else ""


def raised_errors(function: object) -> set[str]:
    """The netrun-auth errors the body of ``function`` raises by name."""
    try:
        source = textwrap.dedent(inspect.getsource(function))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return set()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            called = node.exc.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
            if name in ERRORS:
                found.add(name)
    return found


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    checked = list(documented(module_name))
    assert checked, f"{module_name}: no public class or function found"
    missing = [name for name, obj in checked if not own_docstring(obj)]
    assert missing == [], f"public names without a docstring: {missing}"


@pytest.mark.parametrize("module_name", MODULES)
def test_what_a_public_name_raises_is_in_its_docstring(module_name: str) -> None:
    silent = []
    for name, obj in documented(module_name):
        if inspect.isclass(obj):  # its constructor; the methods are checked one by one
            init = vars(obj).get("__init__")
            errors = raised_errors(init) if init is not None else set()
        else:
            errors = raised_errors(obj)
        if errors and "raise" not in own_docstring(obj).lower() and name not in KNOWN_RAISES_GAPS:
            silent.append(f"{name} raises {sorted(errors)}")
    assert silent == [], f"docstrings that do not say what is raised: {silent}"


def test_the_walk_finds_what_it_should() -> None:
    """The checks above can fail: they see methods, properties and class methods."""
    names = {name for module in MODULES for name, _ in documented(module)}
    assert {
        "netrun_auth.JWTManager.generate_token_pair",
        "netrun_auth.config.AuthConfig.access_token_ttl_seconds",
        "netrun_auth.rbac.RBACManager.from_file",
        "netrun_auth.stores.MemoryStore.check",
        "netrun_auth.dependencies.configure",
    } <= names

    class Undocumented:
        def method(self) -> None:
            raise netrun_auth.exceptions.ConfigurationError("x")

    assert [name for name, _ in members(Undocumented)] == ["method"]
    assert own_docstring(Undocumented.method) == ""
    assert raised_errors(Undocumented.method) == {"ConfigurationError"}
