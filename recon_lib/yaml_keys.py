"""YAML files that people edit (load profiles, alert rules): a key written twice in one mapping is
an error naming its line, not a silent overwrite of the first value, as PyYAML would do."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml


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
