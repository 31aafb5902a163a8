"""The layering rules of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lsr"

FORBIDDEN = {
    "core": ("lsr.data", "lsr.report", "lsr.cli", "lsr.web", "lsr.flow"),
    "flow": ("lsr.data", "lsr.report", "lsr.cli", "lsr.web"),
    "data": ("lsr.report", "lsr.cli", "lsr.web"),
    "report": ("lsr.data", "lsr.cli", "lsr.web"),
    "web": ("lsr.cli",),
}
IO_MODULES = ("duckdb", "xlrd", "openpyxl", "weasyprint", "typer", "rich", "jinja2")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    files = sorted((SRC / layer).rglob("*.py"))
    assert files, f"no modules found in {layer}"
    bad = [
        f"{f.relative_to(SRC)} imports {name}"
        for f in files
        for name in _imports(f)
        if name.startswith(FORBIDDEN[layer])
    ]
    assert bad == []


@pytest.mark.parametrize("layer", ["core", "flow"])
def test_pure_layers_do_no_io(layer: str) -> None:
    bad = [
        f"{f.relative_to(SRC)} imports {name}"
        for f in sorted((SRC / layer).rglob("*.py"))
        for name in _imports(f)
        if name.split(".")[0] in IO_MODULES
    ]
    assert bad == []
