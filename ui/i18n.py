"""The sentences a page shows: templates with named fields, translated, then filled in.

A text module keeps its sentences as module-level templates with named fields::

    PRODUCT = "γ·σ_max(W) = {product}"

and a page shows ``say(PRODUCT, product=sci(x))``: the template is looked up in the active catalog
(stdlib :mod:`gettext`, domain ``bptt_explorer``), falling back to the template itself, and then
filled with ``str.format``. Today there is no catalog, so English shows. For a sentence whose words
depend on a count, :func:`say_n` chooses the singular or plural template (``ngettext``) and fills in
``n`` with the other fields.

Adding a language needs no code change:

1. extract the templates (``xgettext`` or ``pybabel extract`` over ui/) into a
   ``bptt_explorer.pot`` and copy it to ``ui/locale/<lang>/LC_MESSAGES/bptt_explorer.po``;
2. translate each ``msgstr``, keeping the ``{field}`` names as they are;
3. compile it next to the .po (``msgfmt -o bptt_explorer.mo bptt_explorer.po``);
4. start the app with ``BPTT_LANG=<lang>`` (or call :func:`use` with :func:`catalog` (<lang>)).
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path

DOMAIN = "bptt_explorer"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_ENV = "BPTT_LANG"


class MissingFieldError(KeyError):
    """A template was given without one of its named fields."""

    def __str__(self) -> str:
        return str(self.args[0])


@functools.cache
def catalog(language: str | None = None) -> gettext.NullTranslations:
    """The catalog of ``language`` from ui/locale/ (None: gettext's own choice from the environment),
    or a pass-through one when there is none."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language] if language else None, fallback=True)


_active: gettext.NullTranslations | None = None


def use(translations: gettext.NullTranslations | None) -> None:
    """Make ``translations`` the catalog every :func:`say` uses (None: back to the default)."""
    global _active
    _active = translations


def active() -> gettext.NullTranslations:
    """The catalog in use: the one given to :func:`use`, else the one of $BPTT_LANG, if any."""
    return _active if _active is not None else catalog(os.environ.get(LANGUAGE_ENV) or None)


def _fill(template: str, text: str, fields: dict) -> str:
    try:
        return text.format(**fields)
    except KeyError as missing:
        raise MissingFieldError(
            f"the template {template!r} needs the field {missing.args[0]!r}; "
            f"it was given {sorted(fields) or 'none'}"
        ) from None


def say(template: str, /, **fields) -> str:
    """``template`` translated by the active catalog, with its named ``fields`` filled in."""
    return _fill(template, active().gettext(template), fields)


def say_n(singular: str, plural: str, n: int, /, **fields) -> str:
    """The singular or plural template for the count ``n`` (the catalog's plural rule), filled in
    with ``n`` and ``fields``."""
    return _fill(singular, active().ngettext(singular, plural, n), {"n": n, **fields})
