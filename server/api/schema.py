"""Request bodies and query strings as dataclasses: validated once, and described in OpenAPI from the same
declaration, so what the documentation promises is what the server checks.

A field is `name: T` or `name: Annotated[T, Bounds(...)]` with T one of str, int, bool, datetime (ISO 8601
with a time zone), a StrEnum, a dataclass, `list[T]` or `T | None`; a field with a default is optional.
Unknown fields are ignored. Every refusal is an InvalidInput naming the field and what it must be.
"""

from __future__ import annotations

import dataclasses
import re
import types
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from drafting.errors import InvalidInput
from drafting.layout_contract import MOST_PARAGRAPH_CHARS

T = TypeVar("T")
MAX_ID = 2**63 - 1  # the largest id a 64-bit integer column holds
TEXT_LIMIT = 20_000  # a comment, a position's text
REASON_LIMIT = 2_000
NAME_LIMIT = 300


@dataclasses.dataclass(frozen=True)
class Bounds:
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    description: str | None = None


Id = Annotated[int, Bounds(minimum=1, maximum=MAX_ID)]
Count = Annotated[int, Bounds(minimum=0, maximum=MAX_ID)]
Reason = Annotated[str, Bounds(max_length=REASON_LIMIT)]
LongText = Annotated[str, Bounds(max_length=TEXT_LIMIT)]
# A paragraph's text: the configured CONSENSO_MAX_PARAGRAPH_CHARS is checked where it is written
# (drafting.layout_contract.check_paragraph_length); the schema only bounds what it may ever be.
ParagraphText = Annotated[str, Bounds(max_length=MOST_PARAGRAPH_CHARS)]
Name = Annotated[str, Bounds(min_length=1, max_length=NAME_LIMIT)]

_NONE = type(None)


def _split(hint: Any) -> tuple[Any, Bounds]:
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        bounds = next((e for e in extras if isinstance(e, Bounds)), Bounds())
        return base, bounds
    return hint, Bounds()


def _optional(hint: Any) -> tuple[Any, bool]:
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not _NONE]
        if len(args) == 1 and len(get_args(hint)) == 2:
            return args[0], True
    return hint, False


def _unwrap(hint: Any) -> tuple[Any, Bounds, bool]:
    """(type, bounds, whether None is allowed) of `Annotated[T, Bounds] | None` in either nesting."""
    base, bounds = _split(hint)
    base, optional = _optional(base)
    if get_origin(base) is Annotated:
        base, bounds = _split(base)
    return base, bounds, optional


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = get_type_hints(cls, include_extras=True)
    return found


# -- validation -------------------------------------------------------------------------------------


def parse(cls: type[T], raw: object, where: str = "the body", *, from_text: bool = False) -> T:
    """`raw` (decoded JSON, or with `from_text` a query string's values) as an instance of dataclass `cls`."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} must be a JSON object", code="invalid_field", field=where)
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = _wire_name(spec)
        given = raw.get(name)
        if given is None and _has_default(spec):
            continue  # absent, or null: the default
        if name not in raw:
            raise InvalidInput(f"'{name}' is missing", code="missing_field", field=name)
        values[spec.name] = _value(_hints(cls)[spec.name], given, name, from_text)
    return cls(**values)


def _wire_name(spec: dataclasses.Field[Any]) -> str:
    """The name on the wire: a field named like a Python keyword (`from_`) drops the underscore."""
    return spec.name[:-1] if spec.name.endswith("_") else spec.name


def _has_default(spec: dataclasses.Field[Any]) -> bool:
    return spec.default is not dataclasses.MISSING or spec.default_factory is not dataclasses.MISSING


def _refuse(name: str, what: str) -> InvalidInput:
    return InvalidInput(f"'{name}' must be {what}", code="invalid_field", field=name, expected=what)


def _value(hint: Any, value: object, name: str, from_text: bool = False) -> Any:
    base, bounds, optional = _unwrap(hint)
    if value is None:
        if optional:
            return None
        raise _refuse(name, _describe(base, bounds))
    if base is bool:
        if not isinstance(value, bool):
            raise _refuse(name, "true or false")
        return value
    if base is int:
        return _int(value, name, bounds, from_text)
    if base is str:
        return _str(value, name, bounds)
    if base is datetime:
        return _moment(value, name)
    if isinstance(base, type) and issubclass(base, Enum):
        allowed = [member.value for member in base]
        if value not in allowed:
            raise _refuse(name, "one of " + ", ".join(map(str, allowed)))
        return base(value)
    if get_origin(base) is list:
        (item,) = get_args(base)
        if not isinstance(value, list):
            raise _refuse(name, "a list")
        if bounds.min_length is not None and len(value) < bounds.min_length:
            raise _refuse(name, f"a list of at least {bounds.min_length}")
        if bounds.max_length is not None and len(value) > bounds.max_length:
            raise _refuse(name, f"a list of at most {bounds.max_length}")
        return [_value(item, entry, f"{name}[{i}]", from_text) for i, entry in enumerate(value)]
    if dataclasses.is_dataclass(base) and isinstance(base, type):
        return parse(base, value, f"'{name}'")
    raise TypeError(f"schema: no validation for {base!r} ({name})")


def _int(value: object, name: str, bounds: Bounds, from_text: bool) -> int:
    if from_text and isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse(name, _describe(int, bounds))
    if bounds.minimum is not None and value < bounds.minimum:
        raise _refuse(name, _describe(int, bounds))
    if bounds.maximum is not None and value > bounds.maximum:
        raise _refuse(name, _describe(int, bounds))
    return value


def _str(value: object, name: str, bounds: Bounds) -> str:
    if not isinstance(value, str):
        raise _refuse(name, "text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(name, "valid Unicode text (it holds a lone surrogate)") from None
    if bounds.min_length is not None and len(value) < bounds.min_length:
        raise _refuse(name, _describe(str, bounds))
    if bounds.max_length is not None and len(value) > bounds.max_length:
        raise _refuse(name, _describe(str, bounds))
    if bounds.pattern is not None and re.fullmatch(bounds.pattern, value) is None:
        raise _refuse(name, bounds.description or f"text matching {bounds.pattern}")
    return value


def _moment(value: object, name: str) -> datetime:
    what = "a date and time in ISO 8601 with a time zone, for example 2025-11-20T18:00:00-06:00"
    if not isinstance(value, str) or len(value) > 64:
        raise _refuse(name, what)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(name, what) from None
    if moment.tzinfo is None:
        raise _refuse(name, what)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise _refuse(
            name, "a date and time that exists in UTC (this one falls outside the calendar)"
        ) from None


def _describe(base: Any, bounds: Bounds) -> str:
    if base is int:
        low, high = bounds.minimum, bounds.maximum
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}"
        return "a whole number"
    if base is str:
        if bounds.max_length is not None:
            least = f" of {bounds.min_length} to" if bounds.min_length else " of at most"
            return f"text{least} {bounds.max_length} characters"
        return "text"
    return "present"


# -- OpenAPI ----------------------------------------------------------------------------------------


def fields_of(cls: type) -> list[tuple[str, bool, dict[str, Any]]]:
    """Each field of dataclass `cls`: its name on the wire, whether it is required, its JSON Schema."""
    return [
        (_wire_name(spec), not _has_default(spec), _schema_of(_hints(cls)[spec.name]))
        for spec in dataclasses.fields(cls)
    ]


def json_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema of dataclass `cls` (OpenAPI 3.1)."""
    properties = {name: schema for name, _, schema in fields_of(cls)}
    required = [name for name, needed, _ in fields_of(cls) if needed]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _schema_of(hint: Any) -> dict[str, Any]:
    base, bounds, optional = _unwrap(hint)
    schema: dict[str, Any]
    if base is bool:
        schema = {"type": "boolean"}
    elif base is int:
        schema = {"type": "integer", **_limits(bounds, "minimum", "maximum")}
    elif base is str:
        schema = {"type": "string", **_limits(bounds, "min_length", "max_length", "pattern")}
    elif base is datetime:
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(base, type) and issubclass(base, Enum):
        schema = {"type": "string", "enum": [member.value for member in base]}
    elif get_origin(base) is list:
        (item,) = get_args(base)
        schema = {"type": "array", "items": _schema_of(item)}
        if bounds.min_length is not None:
            schema["minItems"] = bounds.min_length
        if bounds.max_length is not None:
            schema["maxItems"] = bounds.max_length
    elif dataclasses.is_dataclass(base) and isinstance(base, type):
        schema = json_schema(base)
    else:
        raise TypeError(f"schema: no JSON Schema for {base!r}")
    if bounds.description:
        schema["description"] = bounds.description
    if optional:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


_KEYWORDS = {"min_length": "minLength", "max_length": "maxLength", "minimum": "minimum", "maximum": "maximum"}


def _limits(bounds: Bounds, *names: str) -> dict[str, Any]:
    found = {}
    for name in names:
        value = getattr(bounds, name)
        if value is not None:
            found[_KEYWORDS.get(name, name)] = value
    return found


# Response schemas are written by hand with these.

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    """An object with these properties, all of them required."""
    return {"type": "object", "properties": properties, "required": list(properties)}


def enum(kind: type[Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in kind]}
