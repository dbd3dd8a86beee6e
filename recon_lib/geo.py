"""Mainland China's provinces, and how names are normalised before they are compared."""

from __future__ import annotations

import re

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
"""Short names of the 31 province-level divisions a mainland courier contract covers."""

_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


def short_province(name: str | None) -> str | None:
    """广东省 -> 广东, 广西壮族自治区 -> 广西; the same rule as the freight SQL applies."""
    if name is None:
        return None
    return _SUFFIX.sub("", str(name).strip())
