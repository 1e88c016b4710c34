"""The package's layers, held against its imports (read from the source; nothing is imported).

ARCHITECTURE.md draws the layers; :data:`import_graph.LAYERS` is the same order as data. Each check is
also run on a small planted tree, so a check that could never fail would show here.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from import_graph import (
    cycles,
    imports,
    imports_in_functions,
    layer_of,
    package_modules,
    private_reaches,
    upward_imports,
)

ROOT = Path(__file__).resolve().parents[2]

# Third-party modules slow to import or optional, which a function may import on first use. Any other import
# inside a function must say why with a ``# deferred: ...`` comment (e.g. a faceplate module that pulls torch).
HEAVY = {
    "torch",
    "distributed",
    "dask",
    "onnxruntime",
    "onnx",
    "matplotlib",
    "face_alignment",
    "dlib",
    "cupy",
    "nuke",
    "PIL",
    "skimage",
    "uvicorn",
    "starlette",
    "playwright",
}


@pytest.fixture(scope="module")
def tree():
    modules = package_modules(ROOT)
    return modules, imports(modules)


def _where(found) -> str:
    return "\n".join(f"  {i.importer}:{i.line} imports {i.target} {list(i.names) or ''}" for i in found)


def test_every_module_is_in_a_layer(tree):
    modules, _ = tree
    for module in modules:
        layer_of(module)  # raises naming the module


def test_no_module_imports_a_layer_above_its_own(tree):
    _, found = tree
    up = upward_imports(found)
    assert not up, "upward imports (see ARCHITECTURE.md for the layers):\n" + _where(up)


def test_no_import_cycles(tree):
    modules, found = tree
    assert cycles(found, modules) == []


def test_nodes_never_reach_into_another_nodes_private_names(tree):
    _, found = tree
    bad = private_reaches(found)
    assert not bad, "private names of another node:\n" + _where(bad)


def test_imports_inside_functions_only_defer_heavy_ones(tree):
    """A function imports only a heavy third-party module (:data:`HEAVY`), or says why on the line."""
    modules, _ = tree
    bad = [
        f"  {m}:{line} imports {name}"
        for m, line, name, comment in imports_in_functions(modules)
        if name.split(".")[0] not in HEAVY and "deferred" not in comment
    ]
    assert not bad, "imports inside functions that defer nothing heavy (move them up, or say why):\n" + "\n".join(bad)


def test_node_code_never_imports_a_host_sdk():
    code = (
        "import sys, importlib, pkgutil, faceplate.nodes\n"
        "for m in pkgutil.walk_packages(faceplate.nodes.__path__, 'faceplate.nodes.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('nuke' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the checks themselves, on a planted tree ------------------------------------------------------------------


def _plant(tmp_path: Path, files: dict[str, str]) -> dict:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent("""
        [tool.scikit-build.wheel.packages]
        "faceplate" = "plugin/faceplate"
        "faceplate/foundation" = "foundation"
        "faceplate/nodes" = "nodes"
    """)
    )
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return package_modules(tmp_path)


def test_a_planted_upward_import_is_found(tmp_path):
    modules = _plant(
        tmp_path,
        {
            "plugin/faceplate/__init__.py": "",
            "foundation/__init__.py": "",
            "foundation/errors.py": "from faceplate.nodes.core.graph import Graph\n",
            "nodes/__init__.py": "",
            "nodes/core/__init__.py": "",
            "nodes/core/graph.py": "from faceplate.foundation import errors\n",
        },
    )
    found = imports(modules)
    up = upward_imports(found)
    assert [(i.importer, i.target) for i in up] == [("faceplate.foundation.errors", "faceplate.nodes.core.graph")]
    assert cycles(found, modules) == [["faceplate.foundation.errors", "faceplate.nodes.core.graph"]]


def test_a_planted_hidden_cycle_and_private_reach_are_found(tmp_path):
    modules = _plant(
        tmp_path,
        {
            "plugin/faceplate/__init__.py": "",
            "nodes/__init__.py": "",
            "nodes/jawblend/__init__.py": "",
            "nodes/jawblend/node.py": "def f():\n    from faceplate.nodes.occlusion.node import _regions\n",
            "nodes/occlusion/__init__.py": "",
            "nodes/occlusion/node.py": "from faceplate.nodes.jawblend import node\n",
        },
    )
    found = imports(modules)
    assert cycles(found, modules) == [["faceplate.nodes.jawblend.node", "faceplate.nodes.occlusion.node"]]
    assert [(i.importer, i.names) for i in private_reaches(found)] == [("faceplate.nodes.jawblend.node", ("_regions",))]
    assert [i.in_function for i in found if i.importer.endswith("jawblend.node")] == [True]
