"""Identity numbers and phones (身份证号与手机号): validation, masking and pinyin keys.

* 身份证号 per GB 11643-1999: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for
  men, even for women) and a check character computed with ISO 7064 MOD 11-2.
* Mobile numbers: mainland 11 digits ``1[3-9]\\d{9}``.
* Masks for viewers without ``people.read_sensitive``: ``3401**********1234``, ``138****5678``.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from flask_babel import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def normalise_id(value: str | None) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_problem(value: str, today: dt.date | None = None) -> str | None:
    """Why ``value`` is not a valid 18-digit 身份证号, or None when it is."""
    if not ID_RE.match(value):
        return _("身份证号须为 17 位数字加 1 位数字或 X")
    try:
        born = id_birth_date(value)
    except ValueError:
        return _("身份证号中的出生日期无效")
    if born > (today or dt.date.today()) or born.year < 1880:
        return _("身份证号中的出生日期无效")
    if check_digit(value[:17]) != value[17]:
        return _("身份证号校验位不正确")
    return None


def id_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_gender(value: str) -> str:
    return "male" if int(value[16]) % 2 else "female"


def make_id_number(region: str, born: dt.date, seq: int, gender: str) -> str:
    """A valid-looking 身份证号 (demo data and tests): region prefix, birth date, sequence, check."""
    region = (region or "110101")[:6].ljust(6, "0")
    seq = seq % 500 * 2 + (1 if gender == "male" else 0)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def mobile_problem(value: str) -> str | None:
    if not MOBILE_RE.match(value):
        return _("手机号须为 11 位大陆手机号")
    return None


def mask_id(value: str | None) -> str | None:
    """An ID number as a masked reader sees it: the first four digits (province and city) and, of an
    18-digit number, the check digit. Nothing else: digits 7-14 are the birth date, and the last
    digit of the sequence (the 17th, or the 15th of an old 15-digit number) is odd for men and even
    for women, so keeping the usual last four would show the gender that masking hides."""
    if not value:
        return value
    tail = value[-1:] if len(value) == 18 else ""
    return value[:4] + "*" * (len(value) - 4 - len(tail)) + tail


def mask_mobile(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "****" + value[-4:]


# surnames whose reading differs from the character's everyday one
SURNAME_READINGS = {"单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao",
                    "盖": "ge", "覃": "qin", "缪": "miao", "翟": "zhai", "黑": "he", "乐": "yue", "尉": "yu",
                    "种": "chong", "秘": "bi", "句": "gou", "员": "yun", "召": "shao", "折": "she", "长": "chang"}


@lru_cache(maxsize=None)
def _char_pinyin(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    found = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return found[0].lower() if found else ""


@lru_cache(maxsize=200_000)
def pinyin_keys(name: str, surname: bool = True) -> tuple[str, str]:
    """(initials, full pinyin) of a Chinese name, lower case without tones: 张三 → (zs, zhangsan).

    Read character by character (names have no phrase context), surnames with their surname
    reading (曾 → zeng, 单 → shan) unless ``surname`` is false (place names); cached per character, so 100,000 names take well under a second.
    """
    name = (name or "").strip()
    if not name:
        return "", ""
    first = (SURNAME_READINGS.get(name[0]) if surname else None) or _char_pinyin(name[0])
    parts = [first] + [_char_pinyin(c) for c in name[1:]]
    parts = [p for p in parts if p]
    return "".join(p[0] for p in parts)[:50], "".join(parts)[:200]
