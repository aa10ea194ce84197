"""The package's layout is its data flow: imports run app -> map -> corpus -> pipeline."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GEO = Path(__file__).resolve().parent.parent / "geo"
# Each package may import itself and the packages after it in this order, never before.
LAYERS = ["app", "map", "corpus", "pipeline"]
SHARED = {"geo.paths"}  # where files are: imported from anywhere


def geo_imports(path: Path) -> set[str]:
    """Every geo module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geo"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("geo"))
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_run_one_way(layer: str) -> None:
    allowed = set(LAYERS[LAYERS.index(layer) :])
    for path in sorted((GEO / layer).rglob("*.py")):
        for module in geo_imports(path) - SHARED:
            target = layer_of(module)
            assert target is None or target in allowed, f"{path.relative_to(GEO)} imports {module}"
            assert not module.startswith(("geo.evaluation", "geo.cli")), (
                f"{path.relative_to(GEO)} imports {module}"
            )


def test_evaluation_reads_only_the_pipeline_and_the_corpus() -> None:
    """Scores are of what the pipeline and the build make (incidents are a build's, across
    articles): never of the map or the app."""
    for path in sorted((GEO / "evaluation").rglob("*.py")):
        for module in geo_imports(path) - SHARED:
            layer = layer_of(module)
            assert layer in (None, "pipeline", "corpus"), f"{path.name} imports {module}"
