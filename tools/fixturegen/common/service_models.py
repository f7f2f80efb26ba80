"""Check ``requestParameters`` against the botocore service model of the call.

CloudTrail logs a call's input members under their API names, so every member of a generated
``requestParameters`` block must be a member of the operation's input shape, recursively, and every
enum value one of the model's. CloudTrail's ``HIDDEN_DUE_TO_SECURITY_REASONS`` stands in for any
value. The models are read from the installed botocore, on first use.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

Model = dict[str, Any]
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"


@functools.cache
def service_model(service: str) -> Model:
    """botocore ``service-2`` model of ``service`` (e.g. ``qbusiness``), newest API version."""
    import botocore  # local import: only the generators need it

    folder = Path(botocore.__file__).parent / "data" / service
    version = sorted(p for p in folder.iterdir() if p.is_dir())[-1]
    path = version / "service-2.json"
    raw = (
        path.read_bytes()
        if path.exists()
        else gzip.decompress((version / "service-2.json.gz").read_bytes())
    )
    model: Model = json.loads(raw)
    return model


def _check_shape(model: Model, shape_name: str, value: Any, where: str) -> None:
    shape = model["shapes"][shape_name]
    if shape.get("document") or value == HIDDEN:
        return
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object")
        for key, item in value.items():
            if key not in shape["members"]:
                raise ValueError(f"{where}.{key}: not a member of {shape_name}")
            _check_shape(model, shape["members"][key]["shape"], item, f"{where}.{key}")
    elif kind == "list":
        for i, item in enumerate(value):
            _check_shape(model, shape["member"]["shape"], item, f"{where}[{i}]")
    elif kind == "map":
        for key, item in value.items():
            _check_shape(model, shape["value"]["shape"], item, f"{where}.{key}")
    elif "enum" in shape and value not in shape["enum"]:
        raise ValueError(f"{where}: {value!r} not in {shape['enum']}")


def check_params(source: str, name: str, params: dict[str, Any]) -> None:
    """Raise ValueError unless ``name`` is an operation of ``source`` (an eventSource such as
    ``qbusiness.amazonaws.com``) and ``params`` fit its input shape."""
    model = service_model(source.split(".")[0])
    if name not in model["operations"]:
        raise ValueError(f"{source}: no operation {name}")
    shape = model["operations"][name].get("input", {}).get("shape")
    if shape is None:
        if params:
            raise ValueError(f"{name}: takes no input")
        return
    _check_shape(model, shape, params, f"{name}.requestParameters")
