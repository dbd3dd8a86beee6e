"""YAML files that people edit (load profiles, alert rules, settings): a key written twice in one
mapping is an error naming its line, not a silent overwrite of the first value, as PyYAML would
do; a file that cannot be read or parsed is an error naming the file and line."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from recon_lib.errors import InputError, Problem


def unique_keys(loader: yaml.SafeLoader,
                node: yaml.MappingNode) -> list[tuple[Any, yaml.Node, yaml.Node]]:
    """The mapping's (key, key node, value node), refusing a key that is not hashable or repeats."""
    seen, out = set(), []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(None, None, f"a key cannot be {key!r}",
                                                    key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                    key_node.start_mark)
        seen.add(key)
        out.append((key, key_node, value_node))
    return out


def read_yaml(path: Path, loader: type[yaml.SafeLoader], what: str) -> Any:
    """The parsed content of ``path`` (``what`` names it in messages: "alert rules").

    Raises InputError for a missing or unreadable file, and for invalid YAML with its line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {path}: cannot read the file ({exc})") from None
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass (line-keeping, no dupes)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        detail = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"{what} {path} are not valid YAML", [Problem(where, detail)]) from None
