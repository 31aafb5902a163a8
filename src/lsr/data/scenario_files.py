"""Reading and writing flow-model scenario files (YAML).

Validation and conversion are pure and live in :mod:`lsr.flow.scenario`; this module reads the
file, keeps the line of every YAML node (from the node marks of :func:`yaml.compose`) so that
errors can name it, and writes calibrated scenario files.

Dates are left as text by the loader (the YAML timestamp type is switched off) and parsed by the
schema, so that a bad date such as ``2018-13-01`` is reported like any other bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lsr.flow.scenario import Locator, Problem, ScenarioError, ScenarioFile, validate_scenario_file

__all__ = [
    "EXAMPLES",
    "example_path",
    "load_scenario_file",
    "node_locator",
    "parse_scenario_text",
    "write_scenario_yaml",
]

#: The example scenario files shipped with lsr (name -> file name).
EXAMPLES = {"winter": "winter.yaml"}


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps dates as text (the schema parses them)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def node_locator(root: yaml.Node | None) -> Locator:
    """A function giving the 1-based line of the node at a YAML path (mapping keys and list
    indices), or ``None`` where the path is not in the document. For a mapping key it is the
    line of the key."""

    def locate(path: tuple[str | int, ...]) -> int | None:
        node = root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        line = key.start_mark.line + 1
                        node = value
                        break
                else:
                    return None
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return None
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return None
        return line

    return locate


def parse_scenario_text(text: str, source: str = "<scenario>") -> ScenarioFile:
    """Parse and validate the text of a scenario file (``source`` names it in errors)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [Problem("", f"not valid YAML: {problem}", line)]) from None
    finally:
        loader.dispose()
    return validate_scenario_file(data, source, node_locator(root))


def load_scenario_file(path: Path | str) -> ScenarioFile:
    """Read, validate and convert a scenario file. Raises ``FileNotFoundError`` or
    :class:`~lsr.flow.scenario.ScenarioError` (a ``ValueError``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no scenario file {path}")
    return parse_scenario_text(path.read_text(encoding="utf-8"), str(path))


def example_path(name: str = "winter") -> Path:
    """The path of a shipped example scenario file."""
    import lsr.flow.scenario

    if name not in EXAMPLES:
        raise LookupError(f"no example {name!r}; examples are {', '.join(EXAMPLES)}")
    return Path(lsr.flow.scenario.__file__).parent / "examples" / EXAMPLES[name]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_scenario_yaml(data: Mapping[str, Any], path: Path | str, header: str = "") -> Path:
    """Write scenario-file ``data`` (as produced by ``ScenarioFileSpec.model_dump``) as YAML,
    with ``header`` as leading comment lines. The result can be read by
    :func:`load_scenario_file`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    body = yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)
    path.write_text(comment + body, encoding="utf-8")
    return path
