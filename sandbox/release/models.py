"""Fitted models on disk, signed with the workspace key: a swapped file is refused before unpickling.

The signature covers the model's identity (its id, the snapshot it was fitted on and its generator) as well as
its bytes, so a model file copied over another one together with its ``.sig`` is refused: it is a valid model,
but not this one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from generators.base import Generator
from sandbox.errors import IntegrityError, UnknownObject
from sandbox.workspace import Workspace


def _signature(key: bytes, path: Path, identity: dict[str, str]) -> str:
    mac = hmac.new(key, json.dumps(identity, sort_keys=True).encode() + b"\n", digestmod=hashlib.sha256)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            mac.update(chunk)
    return mac.hexdigest()


def save_model(ws: Workspace, model_id: str, generator: Generator, snapshot: str) -> Path:
    """Write the model and its signature (model readable only by the workspace owner)."""
    path = ws.model_path(model_id)
    tmp = path.with_suffix(".tmp")
    generator.save(tmp)
    tmp.chmod(0o600)
    identity = {"model": model_id, "snapshot": snapshot, "generator": generator.name}
    sig = _signature(ws.signing_key(), tmp, identity)
    tmp.replace(path)
    path.with_suffix(".sig").write_text(json.dumps(identity | {"mac": sig}, sort_keys=True))
    return path


def load_model(ws: Workspace, model_id: str) -> Generator:
    """Load a model after checking its signature against the registered model (id, snapshot, generator);
    refuse a file that was modified or that is another model's."""
    path = ws.model_path(model_id)
    sig_path = path.with_suffix(".sig")
    if not path.exists() or not sig_path.exists():
        raise UnknownObject(f"model {model_id!r} not found in {path.parent}")
    with ws.governance() as g:
        row = g.execute("SELECT snapshot_id, generator FROM models WHERE id = ?", [model_id]).fetchone()
    if row is None:
        raise UnknownObject(f"model {model_id!r} is not registered in this workspace")
    identity = {"model": model_id, "snapshot": row[0], "generator": row[1]}
    try:
        stored = json.loads(sig_path.read_text())
        mac = str(stored["mac"])
    except (ValueError, KeyError, TypeError):
        raise IntegrityError(f"model {model_id!r} has no readable signature; it will not be loaded") from None
    if not hmac.compare_digest(_signature(ws.signing_key(), path, identity), mac):
        claimed = stored.get("model") if isinstance(stored, dict) else None
        what = f"it is model {claimed!r}, copied here" if claimed and claimed != model_id else "it was modified"
        raise IntegrityError(f"model {model_id!r} does not match its signature ({what}); it will not be loaded")
    return Generator.load(path)
