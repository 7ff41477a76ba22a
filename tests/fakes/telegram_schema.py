"""Bot API parameter decoding and validation driven by ``api.json``.

The fake must reject exactly the requests Telegram would reject for type reasons, for *every*
field of every method, without hand-writing a schema that silently drifts from the real API.
So the rules come from the scraped spec: field types, required flags, and the
``must be <x>`` discriminators of union types.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "ApiError",
    "ApiSpec",
    "FilePart",
    "SchemaMismatch",
    "bad_request",
    "default_spec_path",
    "load_spec",
]

SPEC_ENV_VAR = "LINKEDUP_BOT_API_SPEC"
SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"
CARRIED_SPEC = Path(__file__).with_name("telegram-bot-api") / "api.json"

_INT_RE = re.compile(r"[+-]?[0-9]+")
_DISCRIMINATOR_RE = re.compile(r"(?:must be|always)\s+[\"“]?([A-Za-z0-9_]+)")
_ARRAY_PREFIX = "Array of "
_SCALARS = frozenset({"Integer", "Float", "Boolean", "String", "True"})


class ApiError(Exception):
    """An error answer in Telegram's shape; raised anywhere inside request handling."""

    def __init__(
        self, code: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = dict(parameters) if parameters else None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: Mapping[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", parameters)


@dataclass(frozen=True)
class FilePart:
    """A file part of a multipart request, before the fake turns it into a stored file."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def default_spec_path() -> Path:
    """``$LINKEDUP_BOT_API_SPEC``, else the shared copy beside the checkout (what every developer
    and CI run has), else the copy the project carries, so a fresh clone on its own still tests."""
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        return Path(override)
    return SHARED_SPEC if SHARED_SPEC.is_file() else CARRIED_SPEC


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


class ApiSpec:
    """Loaded ``api.json`` with helpers to decode raw request values and check JSON objects."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "?"))
        self.types: dict[str, dict[str, Any]] = dict(raw["types"])
        self.methods: dict[str, MethodSpec] = {}
        self._by_lower: dict[str, str] = {}
        for name, method in raw["methods"].items():
            fields = tuple(
                FieldSpec(f["name"], tuple(f["types"]), bool(f.get("required")))
                for f in method.get("fields", [])
            )
            self.methods[name] = MethodSpec(name, fields, tuple(method.get("returns", [])))
            self._by_lower[name.lower()] = name

    @classmethod
    def from_file(cls, path: Path) -> ApiSpec:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"Bot API spec not found at {path}; set ${SPEC_ENV_VAR} to the api.json path"
            ) from None
        return cls(raw)

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as the Bot API does."""
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None

    def type_fields(self, type_name: str) -> list[dict[str, Any]]:
        return list(self.types.get(type_name, {}).get("fields", []))

    # -- decoding of top-level request parameters ---------------------------------------

    def decode_params(
        self,
        method: MethodSpec,
        raw: Mapping[str, Any],
        *,
        json_body: bool,
        files: Mapping[str, FilePart] | None = None,
    ) -> dict[str, Any]:
        """Decode and type-check all known parameters; unknown ones are dropped like Telegram.

        ``raw`` holds strings (query/form/multipart) or, with ``json_body``, JSON values.
        ``files`` holds multipart file parts by part name, for ``InputFile`` fields and
        ``attach://<name>`` references.
        """
        files = files or {}
        decoded: dict[str, Any] = {}
        for spec in method.fields:
            present = spec.name in raw and raw[spec.name] is not None
            if not present and spec.name in files:
                decoded[spec.name] = files[spec.name]
                continue
            if not present:
                if spec.required:
                    raise bad_request(f"{spec.name} is empty")
                continue
            value = raw[spec.name]
            if isinstance(value, FilePart):
                if "InputFile" not in spec.types:
                    raise bad_request(f'field "{spec.name}" must not be a file')
                decoded[spec.name] = value
                continue
            decoded[spec.name] = self._decode_top(spec, value, json_body=json_body, files=files)
        return decoded

    def _decode_top(
        self, spec: FieldSpec, value: Any, *, json_body: bool, files: Mapping[str, FilePart]
    ) -> Any:
        errors: list[str] = []
        for type_name in spec.types:
            try:
                return self._decode_one(spec.name, type_name, value, json_body, files)
            except SchemaMismatch as exc:
                errors.append(str(exc))
        kinds = " or ".join(spec.types)
        detail = "; ".join(dict.fromkeys(errors))
        raise bad_request(f'field "{spec.name}" must be of type {kinds} ({detail})')

    def _decode_one(
        self,
        name: str,
        type_name: str,
        value: Any,
        json_body: bool,
        files: Mapping[str, FilePart],
    ) -> Any:
        if type_name == "InputFile":
            if isinstance(value, str) and value.startswith("attach://"):
                part = files.get(value.removeprefix("attach://"))
                if part is None:
                    raise SchemaMismatch(f"no multipart part for {value}")
                return part
            raise SchemaMismatch("expected an uploaded file")
        if isinstance(value, str) and not json_body:
            return self._decode_form_string(name, type_name, value)
        if json_body:
            if isinstance(value, str) and type_name not in _SCALARS:
                value = _loads(name, value)
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                if type_name == "String":
                    return value if isinstance(value, str) else json.dumps(value)
                if type_name in {"Integer", "Float", "Boolean"} and isinstance(value, str):
                    return self._decode_form_string(name, type_name, value)
        self.check_value(value, type_name, name)
        return value

    def _decode_form_string(self, name: str, type_name: str, value: str) -> Any:
        if type_name == "String":
            return value
        if type_name == "Integer":
            if _INT_RE.fullmatch(value.strip()):
                return int(value)
            raise SchemaMismatch(f"{value!r} is not an integer")
        if type_name == "Float":
            try:
                return float(value)
            except ValueError:
                raise SchemaMismatch(f"{value!r} is not a number") from None
        if type_name in {"Boolean", "True"}:
            lowered = value.strip().lower()
            if lowered in {"true", "1"}:
                return True
            if lowered in {"false", "0"}:
                return False
            raise SchemaMismatch(f"{value!r} is not a boolean")
        decoded = _loads(name, value)
        self.check_value(decoded, type_name, name)
        return decoded

    # -- structural checks of JSON values -------------------------------------------------

    def check_value(self, value: Any, type_name: str, path: str) -> None:
        """Raise ``SchemaMismatch`` unless ``value`` (parsed JSON) conforms to ``type_name``."""
        if type_name.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                raise SchemaMismatch(f"{path}: expected {type_name}, got {_kind(value)}")
            inner = type_name.removeprefix(_ARRAY_PREFIX)
            for index, item in enumerate(value):
                self.check_value(item, inner, f"{path}[{index}]")
            return
        if type_name == "Integer":
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and _INT_RE.fullmatch(value))
            ):
                raise SchemaMismatch(f"{path}: expected Integer, got {_kind(value)}")
            return
        if type_name == "Float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SchemaMismatch(f"{path}: expected Float, got {_kind(value)}")
            return
        if type_name in {"Boolean", "True"}:
            if not isinstance(value, bool):
                raise SchemaMismatch(f"{path}: expected Boolean, got {_kind(value)}")
            return
        if type_name == "String":
            if not isinstance(value, str):
                raise SchemaMismatch(f"{path}: expected String, got {_kind(value)}")
            return
        if type_name == "InputFile":
            if not isinstance(value, str):
                raise SchemaMismatch(f"{path}: expected an attach:// reference, got {_kind(value)}")
            return
        self._check_object(value, type_name, path)

    def _check_object(self, value: Any, type_name: str, path: str) -> None:
        spec = self.types.get(type_name)
        if spec is None:
            raise SchemaMismatch(f"{path}: unknown type {type_name}")
        if not isinstance(value, dict):
            raise SchemaMismatch(f"{path}: expected {type_name} object, got {_kind(value)}")
        subtypes = spec.get("subtypes")
        if subtypes:
            errors = []
            for subtype in subtypes:
                try:
                    self._check_object(value, subtype, path)
                except SchemaMismatch as exc:
                    errors.append(f"{subtype}: {exc}")
                else:
                    return
            raise SchemaMismatch(f"{path}: matches no variant of {type_name}")
        fields = spec.get("fields", [])
        for index, field in enumerate(fields):
            name = field["name"]
            if name not in value or value[name] is None:
                if field.get("required"):
                    raise SchemaMismatch(f"{path}.{name} is required for {type_name}")
                continue
            if index == 0 and name in {"type", "source", "status"}:
                match = _DISCRIMINATOR_RE.search(" ".join(_as_list(field.get("description"))))
                if match and value[name] != match.group(1):
                    raise SchemaMismatch(
                        f"{path}.{name} must be {match.group(1)!r} for {type_name}"
                    )
            errors = []
            for candidate in field["types"]:
                try:
                    self.check_value(value[name], candidate, f"{path}.{name}")
                except SchemaMismatch as exc:
                    errors.append(str(exc))
                else:
                    break
            else:
                raise SchemaMismatch("; ".join(errors))


class SchemaMismatch(Exception):
    """A value does not fit a type; turned into a 400 by the caller."""


def _loads(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise bad_request(f"can't parse {name} JSON object") from None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


@cache
def _load_cached(path: str) -> ApiSpec:
    return ApiSpec.from_file(Path(path))


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load (and cache per path) the Bot API spec."""
    resolved = Path(path) if path is not None else default_spec_path()
    return _load_cached(str(resolved.resolve()))
