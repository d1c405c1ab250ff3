"""Safe YAML that remembers where each key stands, so messages can name the line."""
import yaml


class Mapping(dict):
    """A YAML mapping; `line` is its own line, `key_lines[key]` the line of each key (1-based)."""

    line = 0
    key_lines: dict


class Sequence(list):
    line = 0
    item_lines: list


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML (no Python tags), parsed by libyaml where PyYAML has it: 2–3× faster."""


def _mapping(loader, node):
    result = Mapping()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            result.duplicates.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader, node):
    result = Sequence(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


class YAMLSyntaxError(Exception):
    def __init__(self, message, line, column):
        super().__init__(message)
        self.line, self.column = line, column


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
