"""Lays out the faceplate package as one folder of symlinks, for mypy (which cannot follow the editable
install's import hook): `python .ci/typecheck_tree.py DIR` makes DIR/faceplate from the folder mapping in
pyproject.toml ([tool.scikit-build.wheel.packages])."""

import shutil
import sys
import tomllib
from pathlib import Path

root = Path(__file__).resolve().parents[1]
out = Path(sys.argv[1]).resolve()
shutil.rmtree(out, ignore_errors=True)
mapping = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["scikit-build"]["wheel"]["packages"]
for package, folder in sorted(mapping.items(), key=lambda item: item[0].count("/")):
    for source in (root / folder).rglob("*"):
        if "__pycache__" in source.parts or source.suffix not in (".py", ".pyi", ".typed"):
            continue
        target = out / package / source.relative_to(root / folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(source)
