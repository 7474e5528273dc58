"""Read one export file into a frame of raw cells, whatever its format and encoding.

The reader itself is :func:`foresight._io.read_table`, shared with the area tree and taxonomy loaders.
"""

from __future__ import annotations

from foresight._io import detect_encoding, read_table

__all__ = ["read_table", "detect_encoding"]
