"""Personal data in mapped columns: resident ID numbers, mobile numbers and personal names, masked.

Unmapped columns never leave the reader. A mapped column should hold dates, codes and labels, but a
clerk may type an ID number or a phone number into it, or the mapping may name the wrong column.
Every mapped text cell passes through :func:`mask_pii` before it is stored, printed or written.
"""

from __future__ import annotations

import datetime
import re

import numpy as np
import pandas as pd

__all__ = ["MASKS", "mask_pii", "mask_text", "looks_like_name"]

#: The text that replaces each kind of personal data.
MASKS: dict[str, str] = {"id": "[masked ID number]", "phone": "[masked phone]", "name": "[masked name]"}

_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9A-Za-z])")
_DIGITS = re.compile(r"\d{11}|\d{3}[- ]\d{4}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# The most common Chinese surnames (about 85% of the population).
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
             "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
             "龚邵万钱严覃武戴莫孔向汤")
_NAME = re.compile(f"^[{_SURNAMES}][\u4e00-\u9fff]{{1,2}}$")
_SUSPECT_NAME = re.compile(f"{_DIGITS.pattern}|{_NAME.pattern}")
# Endings of place and organisation names, which are not personal names.
_PLACE = set("村镇街区乡路社居委组里庄屯寨湾岗坪坝桥山河湖园苑城州县市港口站场厂所院校局办队")


# Province codes that start a resident ID number (GB/T 2260), so a long order number is not one.
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
              50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}


def _valid_id(number: str) -> bool:
    """A resident ID: a province code, a real birth date (1900-2099) and a valid check digit."""
    if int(number[:2]) not in _PROVINCES:
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2099:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def looks_like_name(value: str) -> bool:
    """True when ``value`` is two or three Chinese characters starting with a common surname.

    Parameters
    ----------
    value
        One cell's text.

    Returns
    -------
    bool

    Examples
    --------
    >>> looks_like_name("张伟"), looks_like_name("王家村"), looks_like_name("入学")
    (True, False, False)
    """
    return bool(_NAME.match(value)) and value[-1] not in _PLACE


def mask_text(text: str, *, names: bool = False) -> tuple[str, set[str]]:
    """``text`` with ID numbers (valid check digit) and mobile numbers masked, and the kinds found.

    Parameters
    ----------
    text
        One cell's text (or a message that quotes cells).
    names
        Also mask the whole text when it :func:`looks_like_name` (for columns that hold codes).

    Returns
    -------
    masked : str
    kinds : set of str
        ``"id"``, ``"phone"``, ``"name"``: what was masked.

    Examples
    --------
    >>> masked, kinds = mask_text("call 138-1234-5678 about 11010519491231002X")
    >>> masked, sorted(kinds)
    ('call [masked phone] about [masked ID number]', ['id', 'phone'])
    >>> mask_text("order 202403150012345678")  # not a province code, not a birth date: kept
    ('order 202403150012345678', set())
    >>> mask_text("张伟", names=True)
    ('[masked name]', {'name'})
    """
    kinds: set[str] = set()

    def sub_id(m: re.Match[str]) -> str:
        if not _valid_id(m.group()):
            return m.group()
        kinds.add("id")
        return MASKS["id"]

    def sub_phone(m: re.Match[str]) -> str:
        kinds.add("phone")
        return MASKS["phone"]

    out = _PHONE.sub(sub_phone, _ID.sub(sub_id, text))
    if names and looks_like_name(out.strip()):
        kinds.add("name")
        out = MASKS["name"]
    return out, kinds


def mask_pii(values: pd.Series, *, names: bool = False) -> tuple[pd.Series, pd.Series]:
    """Mask personal data in a column of text cells.

    Parameters
    ----------
    values
        Text cells (``<NA>`` for missing).
    names
        Also mask cells that look like a personal name (for columns that hold codes or dates).

    Returns
    -------
    masked : Series
        The cells with personal data replaced by :data:`MASKS`.
    kinds : Series
        Per cell, the kinds masked joined by ``"+"`` (``"id+phone"``), ``<NA>`` where none.

    Examples
    --------
    >>> masked, kinds = mask_pii(pd.Series(["T01", "13812345678", None]))
    >>> masked.tolist(), kinds.tolist()
    (['T01', '[masked phone]', <NA>], [<NA>, 'phone', <NA>])
    """
    text = values.astype("string").reset_index(drop=True)
    codes, uniq = pd.factorize(text.astype(object), use_na_sentinel=True)
    uniq = np.asarray(uniq, dtype=object)
    suspect = (_SUSPECT_NAME if names else _DIGITS).search
    out = np.append(uniq, None)
    kinds = np.full(len(out), None, dtype=object)
    for i in [i for i, u in enumerate(uniq) if suspect(u)]:
        masked, found = mask_text(uniq[i], names=names)
        if found:
            out[i], kinds[i] = masked, "+".join(sorted(found))
    return pd.Series(out[codes], dtype="string"), pd.Series(kinds[codes], dtype="string")
