"""Column mappings: which header of an export holds which canonical column.

A centre saves its mapping once, as TOML, and reuses it every week::

    [columns]              # canonical name = header in the export
    case_id = "信访件编号"
    received = "登记日期"
    area = "网格编码"      # or the path from coarse to fine: area = ["所属镇街", "所属社区"]
    category = "问题类别"

    [read]
    encoding = "auto"      # auto | utf-8 | gb18030 | big5 | utf-16
    sheet = 0              # Excel sheet (name or index)
    id_case = "upper"      # upper | lower | keep: how case ids are compared
    timezone = "Asia/Shanghai"  # the centre's time zone, for timestamps that carry one

    [values.channel]       # export value = canonical value
    "来访" = "visit"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foresight.errors import ConfigError
from foresight._decode import ENCODINGS
from foresight.ingest.dates import DEFAULT_TZ

__all__ = [
    "CANONICAL",
    "REQUIRED",
    "CHANNELS",
    "LEVELS",
    "ColumnMapping",
    "load_mapping",
]

#: Canonical case columns a mapping may fill, in output order.
CANONICAL: tuple[str, ...] = (
    "case_id",
    "received",
    "area",
    "category",
    "channel",
    "collective",
    "headcount",
    "repeat",
    "level",
    "closed",
)
#: Columns an export must have.
REQUIRED: tuple[str, ...] = ("received", "area", "category")
CHANNELS: tuple[str, ...] = ("visit", "letter", "phone", "online", "other")
LEVELS: tuple[str, ...] = ("town", "district", "city", "province", "national")
#: How case ids are compared: folded to upper case (the default), to lower case, or kept as written.
ID_CASES: tuple[str, ...] = ("upper", "lower", "keep")

# Headers seen in real exports, used only when no mapping names the column.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "信访件编号", "案件编号", "件编号", "工单编号", "工单号", "编号"),
    "received": ("received", "登记日期", "受理日期", "信访日期", "来访日期", "登记时间", "受理时间"),
    "area": ("area", "网格编码", "所属网格", "区域编码", "区域"),
    "category": ("category", "问题类别", "信访类别", "诉求类别", "问题分类", "类别"),
    "channel": ("channel", "信访形式", "信访方式", "来源渠道", "渠道"),
    "collective": ("collective", "是否集体访", "集体访"),
    "headcount": ("headcount", "人数", "信访人数"),
    "repeat": ("repeat", "是否重复访", "重复访"),
    "level": ("level", "信访层级", "层级"),
    "closed": ("closed", "办结日期", "办结时间", "结案日期"),
}

# Headers of a town column (镇/街道), suggested when a community name is ambiguous without it.
TOWN_HEADERS: tuple[str, ...] = ("所属镇街", "镇街", "所属街道", "街道", "所属镇", "乡镇", "镇", "town")

# Values seen in real exports; a mapping's [values.*] tables extend and override these.
DEFAULT_VALUES: dict[str, dict[str, Any]] = {
    "channel": {
        "来访": "visit", "走访": "visit", "visit": "visit",
        "来信": "letter", "信件": "letter", "letter": "letter",
        "电话": "phone", "12345": "phone", "热线": "phone", "12345热线": "phone", "phone": "phone",
        "网上信访": "online", "网上": "online", "网络": "online", "online": "online",
        "其他": "other", "other": "other",
    },
    "level": {
        "镇": "town", "镇街": "town", "街道": "town", "乡镇": "town", "镇级": "town", "town": "town",
        "区": "district", "区级": "district", "district": "district",
        "市": "city", "市级": "city", "city": "city",
        "省": "province", "省级": "province", "赴省": "province", "province": "province",
        "进京": "national", "国家": "national", "national": "national",
    },
    "bool": {
        "是": True, "否": False, "有": True, "无": False,
        "y": True, "n": False, "yes": True, "no": False,
        "true": True, "false": False, "1": True, "0": False,
    },
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which export header holds each canonical column, and how to read the file.

    Parameters
    ----------
    columns
        Canonical name -> header in the export, e.g. ``{"received": "登记日期"}``. ``area`` may name
        several headers, coarse to fine (``["所属镇街", "所属社区"]``): the finest non-empty one is the
        area and the coarser ones tell same-named areas apart.
    encoding
        ``"auto"`` (UTF-8 with or without BOM, UTF-16, GB18030 or Big5, detected), or one of them.
    sheet
        Excel sheet name or index.
    id_case
        How case ids are compared: ``"upper"`` (folded to upper case), ``"lower"`` or ``"keep"``.
    timezone
        The centre's time zone (IANA name), for timestamps that carry a time zone.
    values
        Per canonical column, export value -> canonical value (``channel``, ``level``,
        ``collective``, ``repeat``).

    Examples
    --------
    >>> m = ColumnMapping.from_columns(received="opendate", area="account", category="complaint_type")
    >>> m.columns["area"]
    'account'
    """

    columns: Mapping[str, str | Sequence[str]]
    encoding: str = "auto"
    sheet: str | int = 0
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    origin: str = "<arguments>"
    id_case: str = ID_CASES[0]
    timezone: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        where = f"in the column mapping ({self.origin})"
        unknown = sorted(set(self.columns) - set(CANONICAL))
        if unknown:
            raise ConfigError(
                f"Unknown canonical column(s) {unknown} {where}. "
                f"Use only: {', '.join(CANONICAL)}."
            )
        for key, header in self.columns.items():
            if key == "area" and isinstance(header, (list, tuple)):
                if header and all(isinstance(h, str) and h.strip() for h in header):
                    continue
                raise ConfigError(f"[columns] area = {list(header)!r} {where}: give the header "
                                  "names from coarse to fine, e.g. [\"所属镇街\", \"所属社区\"].")
            if not isinstance(header, str) or not header.strip():
                raise ConfigError(f"[columns] {key} must be a non-empty header name {where}"
                                  + (" (only area may list several headers)."
                                     if isinstance(header, (list, tuple)) else "."))
        if self.encoding.lower() not in ENCODINGS:
            raise ConfigError(
                f"[read] encoding = {self.encoding!r} {where} is not supported. "
                f"Use one of: {', '.join(ENCODINGS)}."
            )
        for col, table in self.values.items():
            if col not in ("channel", "level", "collective", "repeat"):
                raise ConfigError(
                    f"[values.{col}] {where}: value tables exist only for channel, level, "
                    "collective and repeat."
                )
            allowed: tuple[Any, ...] = (
                CHANNELS if col == "channel" else LEVELS if col == "level" else (True, False)
            )
            for raw, canon in table.items():
                if canon not in allowed or isinstance(canon, bool) != (col in ("collective", "repeat")):
                    raise ConfigError(
                        f"[values.{col}] {raw!r} = {canon!r} {where}: the value must be one of "
                        f"{', '.join(map(repr, allowed))}."
                    )

    @classmethod
    def from_columns(
        cls,
        *,
        received: str,
        area: str,
        category: str,
        case_id: str | None = None,
        **optional: str,
    ) -> ColumnMapping:
        """Build a mapping from header names given as arguments."""
        cols = {"received": received, "area": area, "category": category}
        if case_id:
            cols["case_id"] = case_id
        cols.update({k: v for k, v in optional.items() if v})
        return cls(columns=cols)

    def value_table(self, column: str) -> dict[str, Any]:
        """Export value -> canonical value for ``column``, defaults merged with the mapping's own."""
        base = DEFAULT_VALUES["bool" if column in ("collective", "repeat") else column]
        merged = {str(k).strip().lower(): v for k, v in base.items()}
        merged.update({str(k).strip().lower(): v for k, v in self.values.get(column, {}).items()})
        return merged

    def area_headers(self) -> tuple[str, ...]:
        """The mapped area header(s), coarse to fine (empty when ``area`` is not mapped)."""
        area = self.columns.get("area")
        return () if area is None else (area,) if isinstance(area, str) else tuple(area)

    def resolve_headers(self, headers: list[str]) -> dict[str, str]:
        """Canonical name -> actual header in ``headers``.

        Mapped columns must exist (exactly, or ignoring case and surrounding spaces). Unmapped
        canonical columns are looked up among well-known export headers. Several area headers are
        found together (``area`` is then the finest; :meth:`area_parents` gives the others) or not
        at all.
        """
        norm = {h.strip().lower(): h for h in headers}
        found: dict[str, str] = {}

        def look(want: str) -> str | None:
            return want if want in headers else norm.get(want.strip().lower())

        for canon in CANONICAL:
            if canon == "area" and len(self.area_headers()) > 1:
                hits = [look(h) for h in self.area_headers()]
                if all(h is not None for h in hits):
                    found["area"] = hits[-1]
                continue
            if canon in self.columns:
                hit = look(self.columns[canon])
                if hit is not None:
                    found[canon] = hit
                continue
            for alias in HEADER_ALIASES[canon]:
                hit = norm.get(alias.lower())
                if hit is not None and hit not in found.values():
                    found[canon] = hit
                    break
        return found

    def area_parents(self, headers: list[str]) -> list[str]:
        """The coarser area headers as found in ``headers`` (empty for a one-column area)."""
        norm = {h.strip().lower(): h for h in headers}
        return [h if h in headers else norm[h.strip().lower()] for h in self.area_headers()[:-1]
                if h in headers or h.strip().lower() in norm]


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a column mapping from a TOML file.

    Parameters
    ----------
    path
        The mapping file (UTF-8 TOML with ``[columns]``, optional ``[read]`` and ``[values.*]``).

    Returns
    -------
    ColumnMapping

    Raises
    ------
    ConfigError
        When the file is missing, is not valid TOML, or has an unknown section, key or value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
    >>> _ = p.write_text('[columns]\\nreceived = "date"\\narea = "town"\\ncategory = "type"\\n')
    >>> load_mapping(p).columns["area"]
    'town'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Mapping file {path} does not exist. Check the path, or pass the columns "
                          "with --area-col/--category-col/--date-col.")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Mapping file {path} is not valid UTF-8 TOML: {exc}") from exc
    unknown = sorted(set(doc) - {"columns", "read", "values"})
    if unknown:
        raise ConfigError(f"Mapping file {path}: unknown section(s) {unknown}; "
                          "use [columns], [read] and [values.<column>].")
    if "columns" not in doc:
        raise ConfigError(f"Mapping file {path} has no [columns] section; add one naming at least "
                          f"{', '.join(REQUIRED)}.")
    read = doc.get("read", {})
    bad = sorted(set(read) - {"encoding", "sheet", "id_case", "timezone"})
    if bad:
        raise ConfigError(f"Mapping file {path}: unknown key(s) {bad} in [read]; use encoding, sheet, "
                          "id_case, timezone.")
    return ColumnMapping(
        columns=dict(doc["columns"]),
        encoding=str(read.get("encoding", "auto")),
        sheet=read.get("sheet", 0),
        values={k: dict(v) for k, v in doc.get("values", {}).items()},
        origin=str(path),
        id_case=str(read.get("id_case", ID_CASES[0])),
        timezone=str(read.get("timezone", DEFAULT_TZ)),
    )
