"""The package itself: installed by pip (not imported from the source tree), typed (stubs
match the compiled module, py.typed shipped), ruff clean, and the examples are the docs'."""

import ast
import importlib.metadata
import os
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
    } - {"__init__", "__new__"}
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


@pytest.mark.skipif(
    os.environ.get("WATCHTOWER_EXPECT_NO_RUST") != "1",
    reason="only for the built wheel (scripts/test-wheel)",
)
def test_installed_from_the_abi3_manylinux2014_wheel_without_rust():
    """scripts/test-wheel: the package came from the distributable wheel (abi3 for 3.10+,
    manylinux2014), and nothing could have compiled it here."""
    assert shutil.which("cargo") is None and shutil.which("rustc") is None
    wheel = (importlib.metadata.distribution("watchtower-rs").read_text("WHEEL") or "").splitlines()
    tags = {line.split(":", 1)[1].strip() for line in wheel if line.startswith("Tag:")}
    assert "cp310-abi3-manylinux_2_17_x86_64" in tags
    assert "cp310-abi3-manylinux2014_x86_64" in tags
    sections = _elf_section_names(Path(_watchtower.__file__).read_bytes())
    assert ".text" in sections
    assert not {".debug_info", ".symtab"} & sections  # stripped


def _elf_section_names(elf):
    """The section names of a 64-bit little-endian ELF file."""
    import struct

    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def header(i):  # (name offset, file offset)
        base = shoff + i * shentsize
        return struct.unpack_from("<I", elf, base)[0], struct.unpack_from("<Q", elf, base + 24)[0]

    strtab = header(shstrndx)[1]
    names = set()
    for i in range(shnum):
        start = strtab + header(i)[0]
        names.add(elf[start : elf.index(b"\0", start)].decode())
    return names
