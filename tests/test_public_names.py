"""Each package states its public names (STYLE: httpx's `__init__.py`); these are the ones we mean."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "drafting": [
        "DraftingError",
        "NotFound",
        "AlreadyExists",
        "InvalidInput",
        "MalformedUpdate",
        "StorageUnavailable",
        "Store",
        "Paragraph",
        "ParagraphKind",
        "ParagraphStatus",
        "DocumentKind",
        "DocumentStatus",
        "Role",
    ],
    "drafting.exports": [
        "Edition",
        "bilingual_docx",
        "compilation_docx",
        "edition_akn",
        "edition_docx",
        "markdown",
        "opening_words",
        "print_html",
        "revision_edition",
    ],
    "auth": ["Principal", "Decision", "may_read_document", "may_edit_text"],
    "server": ["create_app", "Settings"],
}


@pytest.mark.parametrize("package", PUBLIC)
def test_all_names_exactly_the_public_names(package: str) -> None:
    exported = importlib.import_module(package).__all__
    assert len(exported) == len(set(exported)), "a name is listed twice"
    assert sorted(exported) == sorted(PUBLIC[package])


@pytest.mark.parametrize("package", PUBLIC)
def test_star_import_gives_the_public_names(package: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {package} import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(PUBLIC[package])


@pytest.mark.parametrize(("package", "name"), [(p, n) for p, names in PUBLIC.items() for n in names])
def test_a_public_name_is_the_object_defined_inside_its_package(package: str, name: str) -> None:
    exported = getattr(importlib.import_module(package), name)
    home = exported.__module__
    assert home.startswith(package + "."), f"{package}.{name} comes from {home}"
    assert getattr(importlib.import_module(home), name) is exported
