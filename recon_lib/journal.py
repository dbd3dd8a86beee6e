"""The month's journal entries (记账凭证) from the channel P&L and a user-editable account
mapping (``accounts.yml``; see docs/pnl.md).

One voucher per kind of transaction and channel (sales, refunds, platform fees, payment fees,
COD fees, freight, lost and damaged parcels' compensation received and owed, packaging, freight
accrual, COGS, FX differences), each balanced to the cent: a
voucher whose debits and credits differ cannot be made (:class:`UnbalancedVoucher`), so it is
never written. A figure the P&L does not know gives no voucher; it is listed as skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from recon_lib import config, labels, schema
from recon_lib.errors import InputError, Problem
from recon_lib.periods import parse_period
from recon_lib.pnl import ALL, UNASSIGNED
from recon_lib.yaml_keys import read_yaml, unique_keys

log = logging.getLogger(__name__)

KINDS = ("receivable", "revenue", "output_vat", "platform_fees", "payment_fees", "cod_fees",
         "freight", "packaging", "freight_claims", "freight_payable", "freight_accrued",
         "parcel_claims", "compensation_income", "cogs", "inventory", "fx")
"""Every kind of amount the vouchers post, each mapped to an account."""
TOP_KEYS = ("voucher_word", "preparer", "vat_rate", "currency_code", "accounts", "channels",
            "currencies")
CENT = Decimal("0.01")

COLUMNS = ["voucher_no", "voucher_date", "voucher_word", "summary", "account_code",
           "account_name", "debit", "credit", "currency", "exchange_rate", "voucher_kind", "channel"]
"""The journal's columns (the CSV and the P&L page), one row per entry."""


class UnbalancedVoucher(ValueError):
    """A voucher whose debits and credits differ: never written."""


@dataclass(frozen=True)
class Account:
    code: str
    name: str


@dataclass(frozen=True)
class AccountMapping:
    """Which account each kind of amount posts to, with per-channel and per-currency
    overrides (a channel's wins over its currency's, which wins over ``accounts``)."""

    accounts: dict[str, Account]
    channels: dict[str, dict[str, Account]] = field(default_factory=dict)
    currencies: dict[str, dict[str, Account]] = field(default_factory=dict)
    voucher_word: str = "记"
    preparer: str = "recon"
    vat_rate: Decimal = Decimal("0.13")
    currency_code: str = "RMB"
    sources: tuple[str, ...] = ()

    def account(self, kind: str, channel: str, currency: str = "CNY") -> Account:
        return (self.channels.get(channel, {}).get(kind)
                or self.currencies.get(currency, {}).get(kind) or self.accounts[kind])


# -- reading the mapping ------------------------------------------------------------------------
class _Map(dict):
    """A mapping that remembers each key's line."""

    lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    data = _Map()
    data.lines = {}
    for key, key_node, value_node in unique_keys(loader, node):
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1
    return data


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


def default_path() -> Path | None:
    """The project's ``accounts.yml`` (``config.ACCOUNTS_FILE``) when it exists."""
    return config.ACCOUNTS_FILE if config.ACCOUNTS_FILE.is_file() else None


def load_accounts(path: str | Path | None = None) -> AccountMapping:
    """The built-in mapping (``recon_lib/data/accounts.yml``) with ``path`` (default: the
    project's ``accounts.yml`` when there is one) read on top of it. Raises InputError naming
    the file and line of every problem."""
    builtin = resources.files("recon_lib").joinpath("data/accounts.yml")
    with resources.as_file(builtin) as p:
        values, sources = _read(Path(p)), [str(builtin)]
    path = Path(path) if path is not None else default_path()
    if path is not None:
        mine = _read(path)
        for key, value in mine.items():
            if key in ("accounts", "channels", "currencies"):
                values[key] = {**values.get(key, {}), **value}
            else:
                values[key] = value
        sources.append(str(path))
        log.info("account mapping from %s", path)
    return AccountMapping(**values, sources=tuple(sources))


def _read(path: Path) -> dict:
    data = read_yaml(path, _Loader, "account mapping")
    if data is None:
        return {}
    if not isinstance(data, _Map):
        raise InputError(f"account mapping {path}: expected keys and values (e.g. "
                         "'accounts: {receivable: {code: \"1122\", name: 应收账款}}')")
    problems: list[Problem] = []
    values: dict = {}
    for key, value in data.items():
        where = f"{path}, line {data.lines[key]}"
        if key not in TOP_KEYS:
            problems.append(Problem(where, f"unknown key {key!r}; expected one of "
                                           f"{', '.join(TOP_KEYS)}"))
        elif key in ("voucher_word", "preparer", "currency_code"):
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(where, f"{key}: expected text, got {value!r}"))
            else:
                values[key] = value.strip()
        elif key == "vat_rate":
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0 <= value < 1:
                problems.append(Problem(where, f"vat_rate: expected a share from 0 to 1 "
                                               f"(0.13 = 13%), got {value!r}"))
            else:
                values[key] = Decimal(str(value))
        elif key == "accounts":
            values[key] = _accounts(value, where, path, problems)
        else:
            allowed = (*schema.CHANNELS, UNASSIGNED) if key == "channels" else None
            values[key] = _per(value, key, allowed, where, path, problems)
    if problems:
        raise InputError(f"account mapping {path} is invalid: no journal was written", problems)
    return values


def _accounts(value, where: str, path: Path, problems: list[Problem]) -> dict[str, Account]:
    if not isinstance(value, _Map):
        problems.append(Problem(where, "accounts: expected kind: {code, name} pairs, e.g. "
                                       "receivable: {code: \"1122\", name: 应收账款}"))
        return {}
    out = {}
    for kind, spec in value.items():
        here = f"{path}, line {value.lines[kind]}"
        if kind not in KINDS:
            problems.append(Problem(here, f"unknown kind of amount {kind!r}; expected one of "
                                          f"{', '.join(KINDS)}"))
            continue
        account = _account(spec, kind, here, problems)
        if account is not None:
            out[kind] = account
    return out


def _account(spec, kind: str, where: str, problems: list[Problem]) -> Account | None:
    if not isinstance(spec, _Map) or set(spec) != {"code", "name"}:
        problems.append(Problem(where, f"{kind}: expected {{code: \"1122\", name: 应收账款}}, "
                                       f"got {dict(spec) if isinstance(spec, dict) else spec!r}"))
        return None
    code, name = spec["code"], spec["name"]
    if isinstance(code, float | bool):
        problems.append(Problem(where, f"{kind}: account code {code!r} must be written in "
                                       "quotes (a number loses its zeros: \"6601.10\")"))
        return None
    if not isinstance(code, str | int) or not str(code).strip() \
            or not isinstance(name, str) or not name.strip():
        problems.append(Problem(where, f"{kind}: expected an account code and a name, got "
                                       f"code {code!r}, name {name!r}"))
        return None
    return Account(str(code).strip(), name.strip())


def _per(value, key: str, allowed, where: str, path: Path, problems: list[Problem]) -> dict:
    if not isinstance(value, _Map):
        problems.append(Problem(where, f"{key}: expected name: {{kind: {{code, name}}}}"))
        return {}
    out = {}
    for name, accounts in value.items():
        here = f"{path}, line {value.lines[name]}"
        if allowed is not None and name not in allowed:
            problems.append(Problem(here, f"{key}: unknown channel {name!r}; expected one of "
                                          f"{', '.join(allowed)}"))
            continue
        if allowed is None and not (isinstance(name, str) and len(name) == 3
                                    and name.isalpha() and name.isupper()):
            problems.append(Problem(here, f"currencies: {name!r} is not a currency code like "
                                          "USD"))
            continue
        out[name] = _accounts(accounts, here, path, problems)
    return out


# -- vouchers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    account: Account
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Voucher:
    """One balanced voucher: raises :class:`UnbalancedVoucher` when it is not."""

    number: int
    day: date
    kind: str
    channel: str
    summary: str
    entries: tuple[Entry, ...]
    currency: str = "CNY"

    def __post_init__(self) -> None:
        debit, credit = self.debit, self.credit
        if debit != credit:
            raise UnbalancedVoucher(f"voucher {self.number} ({self.summary}): debits {debit} "
                                    f"!= credits {credit}")
        if not self.entries:
            raise UnbalancedVoucher(f"voucher {self.number} ({self.summary}) has no entry")

    @property
    def debit(self) -> Decimal:
        return sum((e.debit for e in self.entries), Decimal(0))

    @property
    def credit(self) -> Decimal:
        return sum((e.credit for e in self.entries), Decimal(0))


VOUCHERS = (  # kind, P&L figure its total equals, summary (zh)
    ("sales", "net_sales", "销售收入"), ("refunds", "refunds", "销售退款"),
    ("platform_fees", "platform_fees", "平台佣金及服务费"),
    ("payment_fees", "payment_fees", "支付手续费"), ("cod_fees", "cod_fees", "代收货款手续费"),
    ("freight", "freight_billed", "快递运费"),
    ("parcel_compensation", "parcel_compensation", "丢件破损赔款（账单抵扣）"),
    ("parcel_claims", "parcel_claims", "丢件破损应收赔款"), ("packaging", "packaging", "包装费"),
    ("freight_accrued", "freight_accrued", "暂估未开票运费"), ("cogs", "cogs", "结转销售成本"),
    ("fx", "fx_difference", "汇兑损益"),
)
"""The vouchers of a channel, in order; the figure is what the voucher's total posts."""


def _money(value) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENT, ROUND_HALF_UP)


def _entries(kind: str, v: dict[str, Decimal], vat_rate: Decimal) -> list[tuple[str, Decimal]]:
    """(kind of amount, signed amount: a debit positive, a credit negative)."""
    def split(gross: Decimal) -> tuple[Decimal, Decimal]:
        net = (gross / (1 + vat_rate)).quantize(CENT, ROUND_HALF_UP)
        return net, gross - net

    if kind == "sales":
        net, tax = split(v["net_sales"])
        return [("receivable", v["net_sales"]), ("revenue", -net), ("output_vat", -tax)]
    if kind == "refunds":
        net, tax = split(v["refunds"])
        return [("revenue", net), ("output_vat", tax), ("receivable", -v["refunds"])]
    if kind in ("platform_fees", "payment_fees"):
        return [(kind, v[kind]), ("receivable", -v[kind])]
    if kind == "cod_fees":  # deducted from the COD money; the part above the contract claimed
        after = v["cod_fees"] - v["cod_fee_claims"]
        return [("cod_fees", after), ("freight_claims", v["cod_fee_claims"]),
                ("receivable", -v["cod_fees"])]
    if kind == "parcel_compensation":  # a credit on the bill: less owed to the courier
        return [("freight_payable", v["parcel_compensation"]),
                ("compensation_income", -v["parcel_compensation"])]
    if kind == "parcel_claims":
        return [("parcel_claims", v["parcel_claims"]),
                ("compensation_income", -v["parcel_claims"])]
    if kind == "freight":
        after = v["freight_billed"] - v["freight_claims"]
        return [("freight", after), ("freight_claims", v["freight_claims"]),
                ("freight_payable", -v["freight_billed"])]
    if kind == "packaging":
        return [("packaging", v["packaging"]), ("freight_payable", -v["packaging"])]
    if kind == "freight_accrued":
        return [("freight", v["freight_accrued"]), ("freight_accrued", -v["freight_accrued"])]
    if kind == "cogs":
        return [("cogs", v["cogs"]), ("inventory", -v["cogs"])]
    if kind == "fx":  # deposited below expected (negative): a loss, debited to the FX account
        return [("fx", -v["fx_difference"]), ("receivable", v["fx_difference"])]
    raise ValueError(f"unknown voucher kind {kind!r}")


NEEDS = {"freight": ("freight_billed", "freight_claims"),
         "cod_fees": ("cod_fees", "cod_fee_claims")}
"""Figures a voucher needs besides its own."""


@dataclass(frozen=True)
class Journal:
    period: str
    vouchers: tuple[Voucher, ...]
    skipped: tuple[tuple[str, str, str], ...]
    """(voucher kind, channel, why): figures the P&L does not know."""
    mapping: AccountMapping


def build(pnl: pd.DataFrame, period: str, mapping: AccountMapping,
          currencies: dict[str, str] | None = None) -> Journal:
    """The period's vouchers from :func:`recon_lib.pnl.pnl` (its channel rows; ``all`` is their
    sum), numbered from 1, dated the period's last day. ``currencies``: each channel's
    settlement currency, for the per-currency accounts."""
    p = parse_period(period)
    day = (p.end_ts - timedelta(days=1)).date()
    rows = pnl[(pnl["section"] == "pnl") | (pnl["figure"] == "freight_accrued")]
    rows = rows[rows["channel"] != ALL]
    values = {(r.figure, r.channel): r.amount for r in rows.itertuples(index=False)}
    notes = {(r.figure, r.channel): r.note for r in rows.itertuples(index=False)}
    channels = list(dict.fromkeys(rows["channel"]))
    vouchers, skipped = [], []
    for ch in channels:
        currency = (currencies or {}).get(ch, "CNY")
        for kind, figure, summary in VOUCHERS:
            needed = (figure, *NEEDS.get(kind, ()))
            unknown = [f for f in needed if pd.isna(values.get((f, ch), 0.0))]
            if unknown:
                skipped.append((kind, ch, "; ".join(notes.get((f, ch), "") or f
                                                    for f in unknown)))
                continue
            v = {f: _money(values.get((f, ch), 0.0)) for f in needed}
            signed = [(k, a) for k, a in _entries(kind, v, mapping.vat_rate) if a != 0]
            if not signed:
                continue
            entries = tuple(Entry(mapping.account(k, ch, currency), max(a, Decimal(0)),
                                  max(-a, Decimal(0))) for k, a in signed)
            name = _channel_name(ch)
            vouchers.append(Voucher(len(vouchers) + 1, day, kind, ch,
                                    f"{p.label} {name} {summary}", entries))
    return Journal(p.label, tuple(vouchers), tuple(skipped), mapping)


def _channel_name(channel: str) -> str:
    label = labels.catalogue().values.get("channel", {}).get(channel)
    return label.zh if label is not None and label.zh else channel


def frame(journal: Journal) -> pd.DataFrame:
    """One row per entry (:data:`COLUMNS`), amounts as floats to the cent."""
    records = [(v.number, v.day, journal.mapping.voucher_word, v.summary, e.account.code,
                e.account.name, float(e.debit), float(e.credit), v.currency, 1.0, v.kind,
                v.channel)
               for v in journal.vouchers for e in v.entries]
    return pd.DataFrame(records, columns=COLUMNS)


def check_balanced(journal: Journal) -> None:
    """Every voucher balances (again, just before writing): raises :class:`UnbalancedVoucher`."""
    for v in journal.vouchers:
        if v.debit != v.credit:
            raise UnbalancedVoucher(f"voucher {v.number} ({v.summary}): debits {v.debit} != "
                                    f"credits {v.credit}")
