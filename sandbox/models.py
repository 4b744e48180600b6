"""Fitted models on disk, signed with the workspace key: a swapped file is refused before unpickling."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from generators.base import Generator
from sandbox.errors import IntegrityError, UnknownObject
from sandbox.workspace import Workspace


def _signature(key: bytes, path: Path) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            mac.update(chunk)
    return mac.hexdigest()


def save_model(ws: Workspace, model_id: str, generator: Generator) -> Path:
    """Write the model and its signature (model readable only by the workspace owner)."""
    path = ws.model_path(model_id)
    tmp = path.with_suffix(".tmp")
    generator.save(tmp)
    tmp.chmod(0o600)
    sig = _signature(ws.signing_key(), tmp)
    tmp.replace(path)
    path.with_suffix(".sig").write_text(sig)
    return path


def load_model(ws: Workspace, model_id: str) -> Generator:
    """Load a model after checking its signature; refuse a file whose signature does not match."""
    path = ws.model_path(model_id)
    sig_path = path.with_suffix(".sig")
    if not path.exists() or not sig_path.exists():
        raise UnknownObject(f"model {model_id!r} not found in {path.parent}")
    if not hmac.compare_digest(_signature(ws.signing_key(), path), sig_path.read_text().strip()):
        raise IntegrityError(f"model {model_id!r} does not match its signature; it was modified and will not be loaded")
    return Generator.load(path)
