"""Import the Python modules a spec's tools live in, one private namespace per spec folder.

Two agents may each ship a ``tools.py``. Importing both as ``tools`` would hand
the second agent the first one's functions, so each spec folder becomes a
synthetic package named after its resolved path (``_keel_spec_<digest>``) and
its modules are imported beneath it. Inside a tool module, ``from . import
helpers`` resolves through that package; a plain ``import helpers`` works too,
because the folder is on ``sys.path`` while the module executes.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import keyword
import sys
import threading
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

# sys.path and sys.modules are process-wide; loads in different threads must not
# see each other's temporary sys.path entry or clean-up.
_LOCK = threading.RLock()  # re-entrant: a tool module may itself load a spec


class ToolModuleError(Exception):
    """A tool module that cannot be found or imported; ``str(e)`` says which and why."""


@dataclass(frozen=True, slots=True)
class ToolModule:
    """An imported tool module and the exact source bytes that were executed."""

    name: str
    file: Path
    source: bytes
    module: types.ModuleType


def package_name(base_dir: Path) -> str:
    """The synthetic package that holds the modules of the spec folder ``base_dir``."""
    digest = hashlib.sha256(str(base_dir.resolve()).encode()).hexdigest()[:16]
    return f"_keel_spec_{digest}"


class ToolModules:
    """Imports tool modules of one spec folder afresh, each at most once per instance.

    Creating an instance drops any modules an earlier load imported from the
    same folder, so a changed ``tools.py`` is executed again rather than served
    from ``sys.modules``.
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir.resolve()
        self.package = package_name(self.base_dir)
        self._imported: dict[str, ToolModule | ToolModuleError] = {}
        with _LOCK:
            for name in [n for n in sys.modules if _within(n, self.package)]:
                del sys.modules[name]
            root = types.ModuleType(self.package, f"Tool modules of the spec in {self.base_dir}")
            root.__path__ = [str(self.base_dir)]
            root.__spec__ = importlib.util.spec_from_loader(self.package, None, is_package=True)
            if root.__spec__ is not None:
                root.__spec__.submodule_search_locations = [str(self.base_dir)]
            sys.modules[self.package] = root

    def load(self, dotted: str) -> ToolModule:
        """Import module ``dotted`` (``tools`` or ``pkg.mod``) from the spec folder, once.

        Raises ``ToolModuleError`` when the name is not a module path, no
        ``pkg/mod.py`` or ``pkg/mod/__init__.py`` exists, or executing it raises.
        """
        cached = self._imported.get(dotted)
        if isinstance(cached, ToolModuleError):
            raise cached
        if cached is not None:
            return cached
        try:
            loaded = self._load(dotted)
        except ToolModuleError as e:
            self._imported[dotted] = e
            raise
        self._imported[dotted] = loaded
        return loaded

    def _load(self, dotted: str) -> ToolModule:
        parts = dotted.split(".")
        if not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
            raise ToolModuleError(f"{dotted!r} is not a Python module name")
        file = self._find(parts)
        try:
            source = file.read_bytes()
        except OSError as e:
            raise ToolModuleError(f"cannot read tool module {dotted!r}: {e.strerror}") from e
        with _LOCK:
            module = self._execute(dotted, parts, file, source)
        return ToolModule(dotted, file, source, module)

    def _find(self, parts: list[str]) -> Path:
        as_file = self.base_dir.joinpath(*parts[:-1], parts[-1] + ".py")
        as_package = self.base_dir.joinpath(*parts, "__init__.py")
        for candidate in (as_file, as_package):
            if candidate.is_file():
                return candidate
        rel = "/".join(parts)
        raise ToolModuleError(
            f"tool module {'.'.join(parts)!r} not found: "
            f"no {rel}.py or {rel}/__init__.py in the spec's folder"
        )

    def _execute(
        self, dotted: str, parts: list[str], file: Path, source: bytes
    ) -> types.ModuleType:
        full = f"{self.package}.{dotted}"
        is_package = file.name == "__init__.py"
        spec = importlib.util.spec_from_file_location(
            full, file, submodule_search_locations=[str(file.parent)] if is_package else None
        )
        if spec is None:  # only for a suffix no loader handles; ours is always .py
            raise ToolModuleError(f"cannot import tool module {dotted!r} from {file.name}")
        module = importlib.util.module_from_spec(spec)
        before = set(sys.modules)
        entry = str(self.base_dir)
        sys.path.insert(0, entry)
        try:
            parent = importlib.import_module(full.rpartition(".")[0])
            sys.modules[full] = module
            # Executing the bytes read above (not via the loader, which may use a
            # __pycache__ entry from an edit in the same second) keeps the module and
            # the content hash about the same source.
            code = compile(source, str(file), "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except Exception as e:
            sys.modules.pop(full, None)
            raise ToolModuleError(self._import_failure(dotted, e)) from e
        finally:
            sys.path.remove(entry)
            self._forget_siblings(before)
        setattr(parent, parts[-1], module)
        return module

    def _forget_siblings(self, before: set[str]) -> None:
        # Siblings imported by plain name ("import helpers") would otherwise stay
        # in sys.modules under that name and shadow another agent's helpers.py.
        # The tool module keeps its own references to them.
        for name in set(sys.modules) - before:
            if _within(name, self.package):
                continue
            module = sys.modules[name]
            file = getattr(module, "__file__", None)
            # A namespace package (a folder without __init__.py) has only a __path__.
            locations = [file] if file else list(getattr(module, "__path__", []))
            if any(Path(loc).resolve().is_relative_to(self.base_dir) for loc in locations):
                del sys.modules[name]

    def _import_failure(self, dotted: str, e: Exception) -> str:
        where = ""
        if isinstance(e, SyntaxError) and e.filename and e.lineno:
            where = f" at {self._relative(e.filename)}:{e.lineno}"
            detail = f"SyntaxError: {e.msg}"
        else:
            frames = [
                f
                for f in traceback.extract_tb(e.__traceback__)
                if Path(f.filename).resolve().is_relative_to(self.base_dir)
            ]
            if frames:
                where = f" at {self._relative(frames[-1].filename)}:{frames[-1].lineno}"
            detail = f"{type(e).__name__}: {e}"
        return f"importing tool module {dotted!r} failed{where}: {detail}"

    def _relative(self, filename: str) -> str:
        path = Path(filename).resolve()
        return (
            path.relative_to(self.base_dir).as_posix()
            if path.is_relative_to(self.base_dir)
            else filename
        )


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")
