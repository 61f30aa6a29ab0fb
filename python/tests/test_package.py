"""The package itself: installed by pip (not imported from the source tree), typed (stubs
match the compiled module, py.typed shipped), ruff clean, and the examples are the docs'."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

import watchtower
from watchtower import _watchtower

PACKAGE_SOURCE = ROOT / "python"


def test_installed_package_is_used():
    installed = Path(watchtower.__file__).resolve().parent
    assert installed != PACKAGE_SOURCE / "watchtower"
    assert "site-packages" in installed.parts
    assert (installed / "py.typed").exists()
    assert (installed / "_watchtower.pyi").exists()
    assert Path(_watchtower.__file__).name.endswith(".abi3.so")


def test_stubs_match_the_compiled_module():
    stub = ast.parse((PACKAGE_SOURCE / "watchtower" / "_watchtower.pyi").read_text())
    declared = set()
    for node in stub.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
    public = {n for n in dir(_watchtower) if not n.startswith("_")} | {"__version__"}
    type_aliases = {"Stats"}
    assert declared - type_aliases == public
    core = next(n for n in stub.body if isinstance(n, ast.ClassDef) and n.name == "Core")
    stub_members = {
        n.name if isinstance(n, ast.FunctionDef) else n.target.id
        for n in core.body
        if isinstance(n, (ast.FunctionDef, ast.AnnAssign))
    } - {"__init__"}
    assert stub_members == {n for n in dir(_watchtower.Core) if not n.startswith("_")}


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.prefix) / "bin" / "ruff").exists(),
    reason="ruff is not installed",
)
def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.prefix) / "bin" / "ruff")
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run([ruff, *args], cwd=PACKAGE_SOURCE, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


DOCS = ROOT.parent / "shared" / "seed" / "watchtower-docs.txt"


@pytest.mark.skipif(
    not DOCS.exists(), reason="shared/seed/watchtower-docs.txt is not beside the checkout"
)
@pytest.mark.parametrize(
    "name", ["synopsis.py", "flask_app.py", "django_settings.py", "logging.yml", "yaml_app.py"]
)
def test_examples_are_the_documentation_verbatim(name):
    assert (EXAMPLES / name).read_text().rstrip("\n") in DOCS.read_text()
