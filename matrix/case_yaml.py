"""Reading a case file's YAML safely, with a line for every error.

The YAML is composed into nodes first (libyaml's parser when PyYAML has it), so that every
error, from the YAML syntax to a field the JSON Schema refuses, names the file, the line
and the field: aliases (`*name`) and duplicate keys are refused before anything is built,
and a schema error is traced back to the node it is about.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from .paths import display_path


class CaseError(Exception):
    """A case that cannot be used, with where the problem is."""

    def __init__(self, path: Path, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field, self.message = path, line, field, message
        shown = display_path(path)
        where = f"{shown}:{line}" if line else shown
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")


# libyaml's parser when PyYAML has it (about 10x faster on 1,000 case files), else PyYAML's.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _single_node(text: str, loader_class: type) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def compose(path: Path, text: str) -> yaml.Node:
    try:
        try:
            node = _single_node(text, _Loader)
        except yaml.YAMLError:
            # PyYAML's own parser says it better ("found character '\t'"): ask it again.
            node = _single_node(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise CaseError(path, line, None, f"YAML syntax: {error.problem}") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = len((text[: error.position] + "x").splitlines())  # \r counts, as YAML has it
        raise CaseError(path, line, None, f"YAML: {error.reason}: {error.character!r}") from None
    except yaml.YAMLError as error:
        raise CaseError(path, None, None, f"YAML: {error}") from None
    if node is None:
        raise CaseError(path, 1, None, "the file is empty; a case needs at least 'module'")
    _reject_aliases(path, node)
    _reject_duplicate_keys(path, node, "")
    return node


def _reject_aliases(path: Path, root: yaml.Node) -> None:
    """A case needs no `*alias`; one lets a small file expand exponentially ("billion
    laughs") or refer to itself. An alias composes to a node met twice: refuse it there."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            line = node.start_mark.line + 1
            raise CaseError(path, line, None, "YAML aliases (*name) are not allowed in a case")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            pending += node.value


def _reject_duplicate_keys(path: Path, node: yaml.Node, where: str) -> None:
    # PyYAML keeps the last of two equal keys silently; a case author deserves to know.
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            field_name = f"{where}.{name}" if where else name
            if name in seen:
                raise CaseError(path, key.start_mark.line + 1, field_name, "duplicate key")
            seen.add(name)
            _reject_duplicate_keys(path, value, field_name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _reject_duplicate_keys(path, item, f"{where}[{index}]")


def construct(path: Path, node: yaml.Node) -> object:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        # Where the node that cannot be built is (an unknown tag), else the document.
        mark = getattr(error, "problem_mark", None) or node.start_mark
        raise CaseError(path, mark.line + 1, None, f"YAML: {error}") from None
    finally:
        loader.dispose()


def check_schema(
    path: Path, root: yaml.Node, data: object, validator: jsonschema.Draft202012Validator
) -> None:
    """Raise CaseError at the line of the first thing the schema refuses."""
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    location = list(error.absolute_path)
    message = _schema_message(error)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            location.append(missing[0])
            message = "this field is required"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        unknown = sorted(k for k in error.instance if k not in allowed)
        if unknown:
            location.append(unknown[0])
            message = f"unknown field (allowed: {', '.join(allowed)})"
    raise CaseError(path, line_of(root, location), field_name(location), message)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator in ("minProperties", "maxProperties") and error.schema.get("properties"):
        return f"give exactly one of {', '.join(error.schema['properties'])}"
    if error.validator == "not" and isinstance(error.instance, dict):
        return "a call has either 'expect' or 'trap', not both"
    if error.validator == "pattern" and error.schema.get("x-message"):
        return f"{error.instance!r}: {error.schema['x-message']}"
    return error.message


def field_name(location: list) -> str | None:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or None


def line_of(root: yaml.Node, location: list) -> int:
    """The 1-based line of the YAML node at a schema error's path (or its nearest parent)."""
    node = root
    for part in location:
        child = _child(node, part)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _child(node: yaml.Node, part: object) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                # A missing or unknown field points at its key, a bad value at the value.
                return key if isinstance(value, yaml.ScalarNode) and value.value == "" else value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None
