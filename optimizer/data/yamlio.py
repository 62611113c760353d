"""YAML files read safely: no duplicate keys, bounded nesting, aliases and size.

Scenario, sweep and programme files are written by hand, so the loader is
strict where PyYAML is lenient:

* a key given twice in one mapping is an error naming both lines (PyYAML
  keeps the last one silently, so a second ``changes:`` block drops the first);
* nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_ALIASES`
  aliases, more than :data:`MAX_NODES` nodes after alias expansion, or a file
  over :data:`MAX_BYTES` are errors (a "billion laughs" alias bomb or a
  20,000-deep list never reaches memory or the recursion limit);
* only the safe tags (no Python objects).

Every error is an :class:`~optimizer.errors.InputError` with the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from optimizer.errors import InputError

#: Deepest nesting of mappings and lists.
MAX_DEPTH = 40
#: Most aliases (``*name``) in one file.
MAX_ALIASES = 100
#: Most nodes once aliases are expanded.
MAX_NODES = 200_000
#: Largest file.
MAX_BYTES = 2_000_000


class _Limits:
    def __init__(self) -> None:
        self.aliases = 0
        self.depth = 0


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._limits = _Limits()

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._limits.aliases += 1
            if self._limits.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                msg = f"line {mark.line + 1}: more than {MAX_ALIASES} aliases"
                raise _LimitError(msg, mark.line + 1)
        self._limits.depth += 1
        try:
            if self._limits.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                msg = f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels"
                raise _LimitError(msg, mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._limits.depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            if isinstance(key_node, ScalarNode):
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in seen:
                    msg = f"line {line}: duplicate key {key!r} (first on line {seen[key]})"
                    raise _LimitError(msg, line, str(key))
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _LimitError(Exception):
    def __init__(self, message: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.key = key


def _check_shape(node: Node | None) -> None:
    """Expanded size of a composed document (an aliased node counts at every use)."""
    if node is None:
        return
    count = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            line = current.start_mark.line + 1
            msg = f"line {line}: nested deeper than {MAX_DEPTH} levels"
            raise _LimitError(msg, line)
        count += 1
        if count > MAX_NODES:
            line = current.start_mark.line + 1
            msg = f"line {line}: more than {MAX_NODES:,} values once aliases are expanded"
            raise _LimitError(msg, line)
        if isinstance(current, SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, MappingNode):
            for key, value in current.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


def parse_yaml(text: str, where: str) -> Any:
    """Parse YAML text with the limits of this module; ``where`` names it in errors.

    Raises
    ------
    InputError
        On invalid YAML, a duplicate key, or a limit exceeded (with the line).
    """
    if len(text.encode("utf-8")) > MAX_BYTES:
        msg = f"{where}: file larger than {MAX_BYTES:,} bytes"
        raise InputError(msg, file=where)
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        _check_shape(node)
        return loader.construct_document(node) if node is not None else None
    except _LimitError as exc:
        msg = f"{where}: {exc}"
        raise InputError(msg, file=where, row=exc.line, field=exc.key) from None
    except RecursionError:
        msg = f"{where}: nested too deeply"
        raise InputError(msg, file=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        msg = f"{where}{line}: invalid YAML ({problem})"
        raise InputError(msg, file=where, row=mark.line + 1 if mark else None) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: str | Path) -> Any:
    """Read and parse a YAML file (see :func:`parse_yaml`).

    Raises
    ------
    InputError
        When the file is missing, not UTF-8, invalid, or over a limit.
    """
    p = Path(path)
    where = str(p)
    if not p.is_file():
        msg = f"{where}: file not found"
        raise InputError(msg, file=where)
    if p.stat().st_size > MAX_BYTES:
        msg = f"{where}: file larger than {MAX_BYTES:,} bytes"
        raise InputError(msg, file=where)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        msg = f"{where}: not UTF-8"
        raise InputError(msg, file=where) from None
    return parse_yaml(text, where)
