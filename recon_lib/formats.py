"""How amounts read wherever a person sees them (tables, charts, the summary page, alerts)."""

from __future__ import annotations


def yuan(value, decimals: int = 2) -> str:
    """Yuan with thousands separators and the sign in front: ``¥1,234.50``, ``-¥910.28``."""
    number = float(value)
    sign = "-" if number < 0 and round(abs(number), decimals) else ""
    return f"{sign}¥{abs(number):,.{decimals}f}"
