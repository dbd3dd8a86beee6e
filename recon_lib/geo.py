"""Mainland China's provinces. Long names (广东省) are shortened in SQL by the
``short_province`` macro (``sql/create_results.sql``) before they are compared."""

from __future__ import annotations

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
"""Short names of the 31 province-level divisions a mainland courier contract covers."""
