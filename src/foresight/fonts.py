"""A CJK font for charts (the report's and the notebook plots'), found by file path so Chinese labels
never render as boxes."""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

__all__ = ["CJK_FAMILIES", "FontWarning", "cjk_font", "use_cjk_font"]

#: Font families tried in order (Debian ``fonts-wqy-microhei`` first, then Noto/Source Han CJK).
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP",
                "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Droid Sans Fallback")
_FILE_HINTS = ("wqy-microhei", "wqy-zenhei", "notosanscjk", "notosanssc", "sourcehansans", "droidsansfallback")


class FontWarning(UserWarning):
    """No CJK font was found: Chinese labels in charts would show as empty boxes."""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, Path] | None:
    """Find an installed CJK font; return ``(family, file)`` or None.

    The system font folders are searched with :mod:`matplotlib.font_manager` (by file name and by
    the family name stored in each font), so a font installed after matplotlib built its cache is
    still found.

    Returns
    -------
    tuple of (str, pathlib.Path) or None
        The family name and font file, or None when no CJK font is installed.

    Examples
    --------
    >>> found = cjk_font()
    >>> found is None or found[1].exists()
    True
    """
    from matplotlib import font_manager

    files = sorted(set(font_manager.findSystemFonts(fontext="ttf")) | set(font_manager.findSystemFonts(fontext="otf")))
    by_family: dict[str, Path] = {}
    for name in files:
        path = Path(name)
        stem = path.name.lower().replace("-", "").replace("_", "")
        if not any(h.replace("-", "") in stem for h in _FILE_HINTS):
            continue
        try:
            family = font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError):  # unreadable font file
            continue
        by_family.setdefault(family, path)
    for family in CJK_FAMILIES:
        if family in by_family:
            return family, by_family[family]
    if by_family:
        family = sorted(by_family)[0]
        return family, by_family[family]
    return None


def use_cjk_font(*, warn: bool = True) -> str | None:
    """Register the CJK font with matplotlib and make it the first sans-serif family.

    Parameters
    ----------
    warn : bool, default True
        Emit a :class:`FontWarning` naming the fix when no CJK font is installed.

    Returns
    -------
    str or None
        The font file in use, or None when none was found (charts then fall back to DejaVu Sans).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     path = use_cjk_font()
    >>> path is None or path.endswith((".ttc", ".ttf", ".otf"))
    True
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    found = cjk_font()
    if found is None:
        if warn:
            warnings.warn("No CJK font found (looked for " + ", ".join(CJK_FAMILIES[:3]) + "): Chinese chart "
                          "labels will show as empty boxes. Install one: sudo apt-get install fonts-wqy-microhei "
                          "(or run scripts/system-deps.sh).", FontWarning, stacklevel=2)
        return None
    family, path = found
    font_manager.fontManager.addfont(str(path))
    sans = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *sans]
    mpl.rcParams["font.family"] = ["sans-serif"]
    mpl.rcParams["axes.unicode_minus"] = False
    return str(path)
