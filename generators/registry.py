"""Registry of generator backends by name; heavy engines are imported only when a backend is built."""

from __future__ import annotations

import importlib
from typing import Any

from generators.base import Generator, GeneratorError

# name -> "module:Class"; modules are imported lazily so that start-up stays fast.
_BACKENDS: dict[str, str] = {
    "gaussian_copula": "generators.sdv_copula:GaussianCopulaGenerator",
    "cart": "generators.cart:CartGenerator",
}
DEFAULT = "cart"


def register(name: str, target: str) -> None:
    """Make a backend available under ``name`` (``target`` is ``"module:Class"``)."""
    _BACKENDS[name] = target


def names() -> list[str]:
    """Every registered backend name."""
    return sorted(_BACKENDS)


def backend(name: str | None = None) -> type[Generator]:
    """The generator class registered under ``name`` (the default when ``name`` is None)."""
    name = name or DEFAULT
    if name not in _BACKENDS:
        raise GeneratorError(f"unknown generator {name!r}; choose one of: {', '.join(names())}")
    module, cls = _BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def create(name: str | None = None, seed: int = 0, **settings: Any) -> Generator:
    """Build an unfitted generator by name (the default when ``name`` is None)."""
    return backend(name)(seed=seed, **settings)
