"""The package's import graph, read from the source files (nothing is imported or run).

:func:`package_modules` maps every module of the ``faceplate`` package to its file, following the folder
mapping in ``pyproject.toml`` (``[tool.scikit-build.wheel.packages]``); :func:`imports` lists each module's
imports of other faceplate modules, at module level or inside a function; :func:`layer_of`,
:func:`upward_imports` and :func:`cycles` hold them against the layer order in ``ARCHITECTURE.md``.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

import tomllib

# Bottom to top: a module may import its own layer and the layers below, never one above.
# A layer is a list of module prefixes (a prefix covers the module and everything below it).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("native", ("faceplate._native",)),
    ("foundation", ("faceplate.foundation",)),
    (
        "graph",
        (
            "faceplate.nodes.core",
            "faceplate.nodes.plate",
            "faceplate.nodes.faces",
            "faceplate.nodes.io",
            "faceplate.nodes.face_regions",
            "faceplate.nodes.segment_knobs",
            "faceplate.nodes.layers",
        ),
    ),
    ("models", ("faceplate.models",)),
    (
        "nodes",
        (
            "faceplate.nodes.facedetect",
            "faceplate.nodes.alignedit",
            "faceplate.nodes.occlusion",
            "faceplate.nodes.neuralswap",
            "faceplate.nodes.jawblend",
            "faceplate.nodes",
        ),
    ),
    ("actions", ("faceplate.actions",)),
    ("interfaces", ("faceplate.cli", "faceplate.hosts", "faceplate.viewer")),
    ("front door", ("faceplate",)),
)
NODE_PACKAGES = (
    "faceplate.nodes.facedetect",
    "faceplate.nodes.alignedit",
    "faceplate.nodes.occlusion",
    "faceplate.nodes.neuralswap",
    "faceplate.nodes.jawblend",
)


@dataclasses.dataclass(frozen=True)
class Import:
    importer: str  # the module whose file holds the import
    target: str  # the faceplate module imported
    names: tuple[str, ...]  # names taken from it (``from target import a, b``), empty for ``import target``
    line: int
    in_function: bool
    type_only: bool  # under ``if TYPE_CHECKING:``: never runs, so it makes no cycle
    comment: str  # the comment at the end of the import's first line, if any


def package_modules(root: Path) -> dict[str, Path]:
    """Every module of the package: ``{"faceplate.nodes.core.graph": Path(...), ...}``."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    folders = config["tool"]["scikit-build"]["wheel"]["packages"]
    modules: dict[str, Path] = {}
    for package, folder in folders.items():
        base = root / folder
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package.replace("/", "."), *parts])] = path
    return modules


def _resolve(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: Mapping[str, Path]
) -> list[tuple[str, tuple[str, ...]]]:
    if isinstance(node, ast.Import):
        return [(alias.name, ()) for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    out: list[tuple[str, tuple[str, ...]]] = []
    plain: list[str] = []
    for alias in node.names:
        if f"{source}.{alias.name}" in known or f"{source}.{alias.name}" == "faceplate._native":
            # ``from package import submodule``
            out.append((f"{source}.{alias.name}", ()))
        else:
            plain.append(alias.name)
    if plain:
        out.append((source, tuple(plain)))
    return out


def imports(modules: Mapping[str, Path]) -> list[Import]:
    """Every import of a faceplate module by a faceplate module, at any depth of the file."""
    found: list[Import] = []
    for module, path in modules.items():
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text, filename=str(path))
        is_package = path.name == "__init__.py"

        def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    line = lines[child.lineno - 1]
                    comment = line.split("#", 1)[1].strip() if "#" in line else ""
                    for target, names in _resolve(child, module, is_package, modules):
                        if target == "faceplate" or target.startswith("faceplate."):
                            found.append(Import(module, target, names, child.lineno, in_function, type_only, comment))
                guarded = isinstance(child, ast.If) and ast.unparse(child.test) in (
                    "TYPE_CHECKING",
                    "typing.TYPE_CHECKING",
                )
                visit(
                    child,
                    in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)),
                    type_only or guarded,
                )

        visit(tree, False, False)
    return found


def imports_in_functions(modules: Mapping[str, Path]) -> list[tuple[str, int, str, str]]:
    """Every import statement inside a function, of any module: ``(module, line, imported module, comment)``."""
    out = []
    for module, path in modules.items():
        text = path.read_text()
        lines = text.splitlines()
        for fn in ast.walk(ast.parse(text)):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    line = lines[node.lineno - 1]
                    comment = line.split("#", 1)[1].strip() if "#" in line else ""
                    name = (
                        node.names[0].name if isinstance(node, ast.Import) else ("." * node.level + (node.module or ""))
                    )
                    out.append((module, node.lineno, name, comment))
    return sorted(set(out))


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of the layer that holds ``module`` (the longest matching prefix wins)."""
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best < 0:
        raise ValueError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return best


def upward_imports(found: Iterable[Import]) -> list[Import]:
    """Imports of a module in a higher layer than the importer's."""
    return [i for i in found if layer_of(i.target) > layer_of(i.importer)]


def node_package(module: str) -> str | None:
    return next((p for p in NODE_PACKAGES if module == p or module.startswith(p + ".")), None)


def private_reaches(found: Iterable[Import]) -> list[Import]:
    """Imports of another node package's private names (``_name``) or private modules."""
    bad = []
    for i in found:
        mine, theirs = node_package(i.importer), node_package(i.target)
        if theirs is None or theirs == mine:
            continue
        if any(n.startswith("_") for n in i.names) or any(p.startswith("_") for p in i.target.split(".")):
            bad.append(i)
    return bad


def cycles(found: Iterable[Import], modules: Iterable[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module: modules that import each other, directly or
    through others (imports inside functions count too)."""
    edges: dict[str, set[str]] = {m: set() for m in modules}
    edges["faceplate._native"] = set()
    for i in found:
        if i.type_only:
            continue
        target = i.target
        while target not in edges and "." in target:  # ``from faceplate.x import name``: the module x
            target = target.rsplit(".", 1)[0]
        if target not in edges or target == i.importer:
            continue
        edges[i.importer].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def strong(v: str) -> None:  # Tarjan's algorithm
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return groups
