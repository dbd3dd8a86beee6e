"""The project's settings file, ``recon.yml``: the business rules of :class:`config.Settings`
(SLA hours, windows, tolerances) and ``require:``, the sources a scheduled run may not lack.

Every key is a field of :class:`config.Settings`; an unknown key, a repeated key or a value of
the wrong kind is an error naming the file and line, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import yaml

from recon_lib import config, schema
from recon_lib.config import Settings
from recon_lib.errors import InputError, Problem
from recon_lib.yaml_keys import read_yaml, unique_keys

log = logging.getLogger(__name__)


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    data = {}
    for key, key_node, value_node in unique_keys(loader, node):
        data[key] = (loader.construct_object(value_node, deep=True), key_node.start_mark.line + 1)
    return data


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


def default_path() -> Path | None:
    """``recon.yml`` in the project folder (``RECON_HOME``) when it exists."""
    return config.SETTINGS_FILE if config.SETTINGS_FILE.is_file() else None


def load_settings(path: str | Path | None = None, *, require: tuple[str, ...] = ()) -> Settings:
    """Settings from ``path`` (default: :func:`default_path`, else the defaults), with the
    sources of ``require`` (the ``--require`` option) added to the file's ``require:``."""
    path = Path(path) if path is not None else default_path()
    values: dict = {}
    if path is not None:
        values = _read(path)
    wanted = tuple(dict.fromkeys([*values.get("require", ()), *require]))
    unknown = [n for n in wanted if n.partition(".")[0] not in schema.TABLES]
    if unknown:
        where = f"{path}: require" if path is not None and "require" in values else "--require"
        raise InputError(f"{where}: unknown source(s) {', '.join(unknown)}",
                         [Problem(where, f"expected canonical tables: {', '.join(schema.TABLES)}")])
    values["require"] = wanted
    try:
        settings = Settings(**values)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: {exc}") from None
    if path is not None:
        log.info("settings from %s", path)
    return settings


def _read(path: Path) -> dict:
    data = read_yaml(path, _Loader, "settings") or {}
    if not isinstance(data, dict):
        raise InputError(f"settings {path}: expected keys and values (e.g. 'ship_sla_hours: 48')")
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    problems, values = [], {}
    for key, (value, line) in data.items():
        where = f"{path}, line {line}"
        if key not in fields:
            problems.append(Problem(where, f"unknown setting {key!r}; expected one of "
                                           f"{', '.join(fields)}"))
            continue
        default = fields[key].default
        if key == "require":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(where, "require: expected a list of source names, "
                                               "e.g. [bank_transactions, settlement_lines]"))
                continue
            value = tuple(value)
        elif key == "purchase_supplier_tolerances":
            if isinstance(value, dict):   # a nested mapping's values come with their lines too
                value = {k: v[0] if isinstance(v, tuple) else v for k, v in value.items()}
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and _fits(v, 0.0) for k, v in value.items()):
                problems.append(Problem(where, f"{key}: expected supplier: share pairs, e.g. "
                                               "{佛山华彩陶瓷有限公司: 0.05}"))
                continue
            value = tuple(sorted((k, float(v)) for k, v in value.items()))
        elif not _fits(value, default):
            problems.append(Problem(where, f"{key}: expected {type(default).__name__} like "
                                           f"{default!r}, got {value!r}"))
            continue
        values[key] = value
    if problems:
        raise InputError(f"settings {path} are invalid: nothing was run", problems)
    return values


def _fits(value, default) -> bool:
    """A value of the default's type (a whole number where a decimal is expected too)."""
    if isinstance(value, bool):
        return isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))
