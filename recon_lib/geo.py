"""Mainland China's provinces and prefecture-level cities, and a place name's province.

Long province names (广东省) are shortened in SQL by the ``short_province`` macro
(``sql/create_results.sql``) before they are compared. Where a file names a city instead (SF's
对方地区 ``成都市``) or a province and a city in one cell (Best's 目的地 ``安徽省安庆市``), the
loader gives the column its province through :func:`province_of` (a profile's
``province_from: city``), from the bundled table ``recon_lib/data/cities.csv``.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from functools import cache
from importlib import resources

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
"""Short names of the 31 province-level divisions a mainland courier contract covers."""

LONG_NAMES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
}
"""Official names that are not the short name followed by 省."""

CITIES_FILE = "data/cities.csv"
"""The bundled table (inside the package): province, name, short, level, aliases."""


def long_name(province: str) -> str:
    """广东 -> 广东省, 内蒙古 -> 内蒙古自治区, 北京 -> 北京市."""
    return LONG_NAMES.get(province, f"{province}省")


@cache
def cities() -> tuple[tuple[str, str, str, str, tuple[str, ...]], ...]:
    """Rows of the bundled table: (province, name, short, level, aliases)."""
    text = resources.files("recon_lib").joinpath(CITIES_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return tuple((r["province"], r["name"], r["short"], r["level"], tuple(r["aliases"].split()))
                 for r in csv.DictReader(io.StringIO("\n".join(lines))))


def _key(text: str) -> str:
    """Full-width folded, spaces removed: how place names are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@cache
def _provinces() -> dict[str, str]:
    """Every way a province is written (广东, 广东省, 广西壮族自治区) -> its short name."""
    out = {}
    for p in PROVINCES:
        out[p] = p
        out[long_name(p)] = p
        out[f"{p}省"] = p  # 北京省 does not exist, but does no harm
    out["广西自治区"] = "广西"
    out["宁夏自治区"] = "宁夏"
    out["新疆自治区"] = "新疆"
    return out


@cache
def _places() -> dict[str, str]:
    """Every name of a city (成都, 成都市, 恩施州, 恩施土家族苗族自治州, 襄樊) -> its province.
    A province's own name is not a city name here (海南 is the province, 海南州 the prefecture
    of Qinghai; 吉林 is the province, and 吉林市 the city, of the same province)."""
    out: dict[str, str] = {}
    provinces = _provinces()
    for province, name, short, _level, aliases in cities():
        names = {name, short, *aliases}
        if name.endswith("自治州"):
            names.add(f"{short}州")
        elif name.endswith("市"):
            names.add(f"{short}市")
        for alias in names:
            if alias in provinces:
                continue
            if out.setdefault(_key(alias), province) != province:
                raise ValueError(f"{CITIES_FILE}: {alias!r} names places in two provinces")
    return out


@cache
def _prefixes() -> tuple[tuple[str, str], ...]:
    """Province names a cell may start with, longest first (内蒙古自治区 before 内蒙古)."""
    return tuple(sorted(_provinces().items(), key=lambda item: -len(item[0])))


def province_of(text: str) -> str | None:
    """The short name of the province a place name lies in; None when it is not known.

    ``text`` is a province (``广东省``, ``广东``, ``内蒙古自治区``), a prefecture-level city or
    a unit administered like one (``成都市``, ``成都``, ``恩施州``, ``大兴安岭地区``,
    ``锡林郭勒盟``, ``仙桃市``), or a province followed by a place in it (``安徽省安庆市``,
    ``北京北京市``, ``浙江省义乌市``). A province followed by a city of another province
    (``广东省成都市``) is not known: the cell contradicts itself.
    """
    key = _key(text)
    if not key:
        return None
    provinces, places = _provinces(), _places()
    if key in provinces:
        return provinces[key]
    if key in places:
        return places[key]
    for prefix, province in _prefixes():
        if key.startswith(prefix):
            rest = key[len(prefix):]
            inside = places.get(rest)
            return province if inside in (None, province) else None
    return None


POSTCODE_PREFIXES = {
    "01": "内蒙古", "02": "内蒙古", "03": "山西", "04": "山西", "05": "河北", "06": "河北",
    "07": "河北", "10": "北京", "11": "辽宁", "12": "辽宁", "13": "吉林", "15": "黑龙江",
    "16": "黑龙江", "20": "上海", "21": "江苏", "22": "江苏", "23": "安徽", "24": "安徽",
    "25": "山东", "26": "山东", "27": "山东", "30": "天津", "31": "浙江", "32": "浙江",
    "33": "江西", "34": "江西", "35": "福建", "36": "福建", "40": "重庆", "41": "湖南",
    "42": "湖南", "43": "湖北", "44": "湖北", "45": "河南", "46": "河南", "47": "河南",
    "51": "广东", "52": "广东", "53": "广西", "54": "广西", "55": "贵州", "56": "贵州",
    "57": "海南", "61": "四川", "62": "四川", "63": "四川", "64": "四川", "65": "云南",
    "66": "云南", "67": "云南", "71": "陕西", "72": "陕西", "73": "甘肃", "74": "甘肃",
    "75": "宁夏", "81": "青海", "83": "新疆", "84": "新疆", "85": "西藏",
}
"""The province of a mainland postcode's first two digits (China Post's postal zones)."""


def province_of_postcode(postcode: str) -> str | None:
    """The short name of the province a six-digit postcode belongs to; None when the text is
    not a mainland postcode (not six digits, or a zone no province has)."""
    digits = _key(postcode)
    if len(digits) != 6 or not digits.isascii() or not digits.isdigit():
        return None
    return POSTCODE_PREFIXES.get(digits[:2])
