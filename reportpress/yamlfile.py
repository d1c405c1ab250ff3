"""Safe YAML that remembers where each key stands, so messages can name the line."""
import yaml

from .errors import YAMLSyntaxError  # noqa: F401 — raised here, caught by callers


class Mapping(dict):
    """A YAML mapping; `line` is its own line, `key_lines[key]` the line of each key and
    `text_lines[key]` the line its value's text starts on (1-based); `duplicates`: the
    (key, line) of each key given again."""

    line = 0
    key_lines: dict
    text_lines: dict
    duplicates: list


class Sequence(list):
    line = 0
    item_lines: list


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML (no Python tags), parsed by libyaml where PyYAML has it: 2–3× faster."""

    def construct_object(self, node, deep=False):
        # An alias (`*name`) makes a value stand in two places: nested ones grow it
        # exponentially (a "billion laughs" in a few lines), so content may not use them.
        if node in self.constructed_objects or node in self.recursive_objects:
            mark = node.start_mark  # (the anchor's: libyaml keeps no place of its aliases)
            raise YAMLSyntaxError("this value (anchored with `&`) is used again by an alias "
                                  "(`*`); aliases are not allowed in content: write it out",
                                  mark.line + 1, mark.column + 1)
        return super().construct_object(node, deep)


def _mapping(loader, node):
    result = Mapping()
    result.line = node.start_mark.line + 1
    result.key_lines, result.text_lines, result.duplicates = {}, {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:  # (with what was given twice in the value it replaces)
            result.duplicates += [(key, key_node.start_mark.line + 1),
                                  *duplicates(result[key])]
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        result.text_lines[key] = _text_line(value_node)
    return result


def _text_line(node):
    """The line a value's text starts on: a block scalar (`|`, `>`) starts below its key."""
    return node.start_mark.line + (2 if getattr(node, "style", None) in ("|", ">") else 1)


def _sequence(loader, node):
    result = Sequence(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def duplicates(data):
    """(key, line) of every key given twice in any mapping of `data`, however deep."""
    if isinstance(data, Mapping):
        yield from data.duplicates
    if isinstance(data, dict | list):
        for value in data.values() if isinstance(data, dict) else data:
            yield from duplicates(value)


def parse(text, first_line=1):
    """Parse YAML text (SafeLoader: no Python tags). Lines are counted from first_line."""
    text = "\n" * (first_line - 1) + text  # so every mark is a line of the whole file
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 — _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else first_line
        column = mark.column + 1 if mark else None
        raise YAMLSyntaxError(f"YAML syntax error: {error.problem}", line, column) from None
    except yaml.YAMLError as error:
        raise YAMLSyntaxError(f"YAML error: {error}", first_line, None) from None
