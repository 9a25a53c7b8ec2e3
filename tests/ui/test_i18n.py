"""Templates through a catalog: a .mo file written here (GNU format, by hand) is read by gettext the
way a second language would be, and its translation is filled with the template's fields."""

import gettext
import struct

import pytest

from ui import i18n, notices
from ui.i18n import MissingFieldError, say, say_n

PRODUCT = "γ·σ_max(W) = {product}"
CELLS = ("{n} grey cell is not a number.", "{n} grey cells are not numbers.")
HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"


def write_mo(path, messages: dict[str, str]) -> None:
    """A GNU .mo catalog: magic, revision, count, the two offset tables, then the strings."""
    entries = sorted({"": HEADER, **messages}.items())
    ids = [k.encode() for k, _ in entries]
    strs = [v.encode() for _, v in entries]
    n = len(entries)
    key_table, value_table = 28, 28 + 8 * n
    data = 28 + 16 * n
    blob, key_offsets, value_offsets = b"", [], []
    for raw, offsets in ((ids, key_offsets), (strs, value_offsets)):
        for s in raw:
            offsets.append((len(s), data + len(blob)))
            blob += s + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, n, key_table, value_table, 0, 0)
    tables = b"".join(struct.pack("<2I", *o) for o in key_offsets + value_offsets)
    path.write_bytes(head + tables + blob)


@pytest.fixture
def german(tmp_path):
    mo = tmp_path / "de" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    mo.parent.mkdir(parents=True)
    write_mo(
        mo,
        {
            PRODUCT: "das Produkt γ·σ_max(W) ist {product}",
            "\0".join(CELLS): "{n} graue Zelle ist keine Zahl.\0{n} graue Zellen sind keine Zahlen.",
            notices.NONFINITE_INF: "{what}: {n_inf} unendliche Werte fehlen im Diagramm.",
        },
    )
    catalog = gettext.translation(i18n.DOMAIN, tmp_path, languages=["de"])
    i18n.use(catalog)
    yield catalog
    i18n.use(None)


def test_without_a_catalog_the_template_itself_is_filled_in():
    assert say(PRODUCT, product="0.75") == "γ·σ_max(W) = 0.75"
    assert say_n(*CELLS, 1) == "1 grey cell is not a number."
    assert say_n(*CELLS, 3) == "3 grey cells are not numbers."
    assert isinstance(i18n.catalog("xx"), gettext.NullTranslations)  # no such language: fall back


def test_a_catalog_translates_and_fills_the_fields(german):
    assert say(PRODUCT, product="0.75") == "das Produkt γ·σ_max(W) ist 0.75"
    assert say_n(*CELLS, 1) == "1 graue Zelle ist keine Zahl."
    assert say_n(*CELLS, 2) == "2 graue Zellen sind keine Zahlen."
    assert say("a sentence with no translation {x}", x=1) == "a sentence with no translation 1"
    # the shared notices go through the same catalog
    assert (
        notices.explain_nonfinite([1.0, float("inf")], "C[s, k]")
        == "C[s, k]: 1 unendliche Werte fehlen im Diagramm."
    )


def test_the_catalog_is_found_in_the_locale_directory_by_language(tmp_path, monkeypatch):
    mo = tmp_path / "fr" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    mo.parent.mkdir(parents=True)
    write_mo(mo, {PRODUCT: "le produit vaut {product}"})
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "fr")
    try:
        assert say(PRODUCT, product="2") == "le produit vaut 2"
    finally:
        i18n.catalog.cache_clear()


def test_a_missing_field_names_the_template_and_the_field():
    with pytest.raises(MissingFieldError, match=r"needs the field 'product'.*given \['other'\]"):
        say(PRODUCT, other=1)
    with pytest.raises(KeyError):  # still a KeyError for callers that catch that
        say(PRODUCT)
