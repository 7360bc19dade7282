"""Read a newer server's answer with this package's models: unknown fields are dropped.

The response models refuse extra fields (a typo in the service must fail its own tests), but a
client must keep working when the server it talks to has gained fields since the client was
installed. :func:`known_fields_only` prunes a JSON value to what a model declares, recursively,
before validation; the full body stays available as ``raw`` on the client's results.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["known_fields_only", "validate_tolerantly"]

M = TypeVar("M", bound=BaseModel)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    args = get_args(annotation)
    return [arg for arg in args if isinstance(arg, type) and issubclass(arg, BaseModel)]


def _best_member(annotation: Any, value: dict[str, Any]) -> Any:
    """The union member a dict is meant to be: the model whose required fields it has."""
    for model in _models_in(annotation):
        required = {f.alias or n for n, f in model.model_fields.items() if f.is_required()}
        if required <= value.keys():
            return model
    return None


def known_fields_only(annotation: Any, value: Any) -> Any:
    """``value`` without the object keys that ``annotation`` does not declare (recursively)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return known_fields_only(get_args(annotation)[0], value)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(value, dict):
            return value
        out = {}
        for name, field in annotation.model_fields.items():
            key = field.alias or name
            if key in value:
                out[key] = known_fields_only(field.annotation, value[key])
        return out
    if origin in (Union, types.UnionType):
        if isinstance(value, dict):
            member = _best_member(annotation, value)
            if member is not None:
                return known_fields_only(member, value)
        return value
    if origin in (list, tuple, set, frozenset) and isinstance(value, list):
        args = get_args(annotation)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [known_fields_only(a, v) for a, v in zip(args, value, strict=False)]
        item = args[0] if args else Any
        return [known_fields_only(item, v) for v in value]
    if origin is dict and isinstance(value, dict):
        args = get_args(annotation)
        item = args[1] if len(args) == 2 else Any
        return {k: known_fields_only(item, v) for k, v in value.items()}
    return value


def validate_tolerantly(model: type[M], body: Any) -> M:
    """``model`` from a JSON body that may carry fields newer than this package."""
    return model.model_validate(known_fields_only(model, body))
