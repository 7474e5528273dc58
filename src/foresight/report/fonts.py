"""The report's CJK font: :mod:`foresight.fonts` (the notebook plots use it too), under its old name."""

from __future__ import annotations

from foresight.fonts import CJK_FAMILIES, FontWarning, cjk_font, use_cjk_font

__all__ = ["CJK_FAMILIES", "FontWarning", "cjk_font", "use_cjk_font"]
