"""Keep imports flowing one way between layers (see docs/ARCHITECTURE.md); `make lint` runs this.

Pure layers (canonical, codecs, transforms) also may not import I/O or clock modules.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "suture"
OUTER = {"api", "web", "cli", "engine", "workflows"}
FORBIDDEN: dict[str, set[str]] = {
    "canonical": {"codecs", "transforms", "pipeline", "store", "bus", "connectors", "config", "observability"} | OUTER,
    "codecs": {"transforms", "pipeline", "store", "bus", "connectors", "config", "observability"} | OUTER,
    "transforms": {"pipeline", "store", "bus", "connectors", "config", "observability"} | OUTER,
    "store": {"pipeline", "bus", "connectors", "config"} | OUTER,
    "connectors": {"pipeline", "store", "bus"} | OUTER,
    "bus": {"pipeline", "connectors"} | OUTER,
    "pipeline": OUTER,
    "config": {"store", "bus", "api", "web", "cli", "engine", "workflows"},
}
PURE = {"canonical", "codecs", "transforms"}
IO_MODULES = {"os", "socket", "asyncio", "sqlite3", "psycopg", "aiohttp", "subprocess", "time", "pathlib", "shutil",
              "random", "urllib", "http", "ssl", "threading"}


def imports(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def check() -> list[str]:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        layer = rel.parts[0].removesuffix(".py")
        banned = FORBIDDEN.get(layer, set())
        for line, module in imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            if parts[0] == "suture" and len(parts) > 1 and parts[1] in banned:
                problems.append(f"src/suture/{rel}:{line}: layer '{layer}' must not import {module}")
            if layer in PURE and parts[0] in IO_MODULES:
                problems.append(f"src/suture/{rel}:{line}: pure layer '{layer}' must not import {module}")
    return problems


if __name__ == "__main__":
    found = check()
    for p in found:
        print(p)
    print(f"layer check: {len(found)} problem(s)")
    sys.exit(1 if found else 0)
