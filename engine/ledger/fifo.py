"""Transactions -> lots: FIFO per (investor, account or folio, security), as the law and the
registrars match them (s.45(2A), CBDT Circular 768; RTAs redeem FIFO per folio per scheme).

A pure function: `replay(transactions)` gives the open lots and, for every transfer, the
lots it consumed. Units are exact; when part of a lot is sold its cost is apportioned
and rounded to the paisa (ROUND_HALF_EVEN), the remainder staying with the lot, so that
cost is conserved to the paisa. Lot ids are derived from content, so they are the same
on every run and do not change when unrelated transactions are imported.

Corporate actions (s.55(2)(ac) grandfathering): a lot records each split and merger it went
through (`Step`), so that `held_on` can say, for any date, which security was held then and
how many of its units per unit held now. The replay does not know the grandfathering date:
the tax law does (`TaxClass.grandfather_on_or_before`, from the rules file).

Intraday trades (s.43(5)): for the securities named in `intraday` (the policy's
exchange-traded ones, when the law nets same-day trades), the BUY and SELL rows of one day
in one account are netted first: Q = min(units bought, units sold) is a speculative trade
(`IntradayTrade`), which consumes no lot; only the rest of the sale is matched FIFO, and
only the rest of the purchase becomes a lot.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Collection, Iterable, NamedTuple

from engine.diagnostics import Diagnostic, Span, error
from engine.transactions import ACQUIRES, TRANSFERS, TYPE_VALUE, Transaction, TxType

Key = tuple[str, str, str]  # (investor, account or folio, security): one FIFO queue
Order = tuple[date, int, int]  # where a row is applied in a replay (`_order`)

PAISA = Decimal("0.01")
FUND_UNIT = Decimal("0.001")  # registrars allot units to three decimals


class Step(NamedTuple):
    """A split or merger a lot went through: from `on`, each unit held is `ratio` units of
    `security`, the security held before that day (a split: 1/split ratio of the same
    security; a merger: the old scheme's units given up per new unit received)."""

    on: date
    security: str
    ratio: Fraction


def held_on(security: str, history: tuple[Step, ...], day: date) -> tuple[str, Fraction]:
    """The security held on `day`, and the units of it then held per unit of `security` held
    now, for a lot with this `history` (oldest step first). A step dated on or before `day`
    had happened by then: a SPLIT or MERGER row carries the day from which the new units
    are quoted, so the price quoted that day is of the new units."""
    held, ratio = security, Fraction(1)
    for step in reversed(history):
        if step.on <= day:
            break
        held, ratio = step.security, ratio * step.ratio
    return held, ratio


class Lot(NamedTuple):
    ident: tuple[object, ...]  # what the id is derived from (see `id`)
    investor: str
    account: str
    security: str
    acquired: date  # the holding period starts here (allotment for bonus units)
    units: Decimal
    cost: Decimal  # total, in rupees, with purchase charges (s.48(ii)); nil for bonus units
    origin: str  # the row that created it
    how: str  # BUY, BONUS, DIVIDEND_REINVEST, SWITCH_IN, MERGER_IN
    # For grandfathering (s.55(2)(ac)): the splits and mergers these units went through,
    # oldest first; `held_on(security, history, day)` resolves them for a date.
    history: tuple[Step, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.investor, self.account, self.security)

    @property
    def id(self) -> str:
        """Stable: derived from the acquiring row's content (and, for units received in a
        merger, from the old lot's id), computed when asked for."""
        return _lot_id(*self.ident)


class Matched(NamedTuple):
    """The part of one lot that a transfer consumed."""

    lot_id: str
    acquired: date
    units: Decimal
    cost: Decimal
    history: tuple[Step, ...] = ()  # the lot's splits and mergers (see Lot)


@dataclass(frozen=True, slots=True)
class Disposal:
    tx: Transaction
    matched: tuple[Matched, ...]
    # units of this security were bought (BUY) on the sale date in this account and not
    # netted as an intraday trade (the replay was not told the security trades intraday)
    bought_same_day: bool = False


@dataclass(frozen=True, slots=True)
class IntradayTrade:
    """Units of a share or ETF bought and sold on one day in one demat account: a speculative
    transaction (s.43(5)), business income, not a capital gain; it consumes no lot.

    units     Q = min(units bought by BUY rows, units sold by SELL rows) that day
    cost      the cost of Q at the day's average purchase price, purchase charges included:
              (value + charges of the day's purchases) x Q / units bought, to the paisa
              (half-even); the rest of the purchase, if any, is a lot costing the remainder
    proceeds  the sale value of Q: the day's sale value less the value of the rest of the
              sale, if any, which is sold at the day's average sale price (to the paisa,
              half-even, when the day's sales were at more than one price)
    expenses  the day's sale charges x Q / units sold, to the paisa (half-even)
    profit    proceeds - expenses - cost (a loss when negative)
    sources   the rows netted"""

    investor: str
    account: str
    security: str
    day: date
    units: Decimal
    cost: Decimal
    proceeds: Decimal
    expenses: Decimal
    profit: Decimal
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Ledger:
    lots: tuple[Lot, ...]  # open lots, FIFO order within each (investor, account, security)
    disposals: tuple[Disposal, ...]
    intraday: tuple[IntradayTrade, ...] = ()  # in date order

    def units_held(self, key: tuple[str, str, str]) -> Decimal:
        return sum((lot.units for lot in self.lots if lot.key == key), Decimal(0))


class LedgerError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        # Where the replay stopped (see replay's `positions`): (0, the row's order) at a row,
        # (1, the first unbalanced merger's) after every row.
        self.at: tuple[int, Order] | None = None


def _lot_id(*parts: object) -> str:
    return "L" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:8]


def _source_span(source: str) -> Span | None:
    """`file.csv:12` -> the span of row 12 of file.csv."""
    path, _, row = source.rpartition(":")
    return Span(path, int(row), 1, int(row), 2) if row.isdigit() and path else None


def _fail(tx: Transaction, message: str, hint: str, code: str = "L101") -> LedgerError:
    return LedgerError(error(code, message, _source_span(tx.source), hint))


# Members as plain names: in Python 3.11 each `TxType.X` lookup goes through a descriptor.
BONUS, SPLIT, MERGER_IN, MERGER_OUT = TxType.BONUS, TxType.SPLIT, TxType.MERGER_IN, TxType.MERGER_OUT
BUY, SELL = TxType.BUY, TxType.SELL


def _order(tx: Transaction) -> Order:
    # On one day, units given up in a merger are taken before the new units arrive.
    return (tx.date, 1 if tx.type is MERGER_IN else 0, tx.seq)


def replay(transactions: Iterable[Transaction], opening: Iterable[Lot] = (),
           intraday: Collection[str] = frozenset(), positions: dict[str, list[Order]] | None = None) -> Ledger:
    """Replay in date order (file order within a day). Raises LedgerError, naming the row,
    when a transfer needs more units than are held or a merger does not balance.

    `opening`: open lots from an earlier replay (FIFO order within each queue), when every
    transaction given is dated after that replay's last one; the result then holds all open
    lots and the disposals of these transactions only.

    `intraday`: the securities whose same-day BUY and SELL rows in one account are an
    intraday trade (s.43(5)): the tax law's, for its exchange-traded securities. Mutual fund
    units are not traded intraday: a same-day redemption and purchase of a fund is two
    transactions, matched FIFO as any others.

    `positions` (a dict, filled when given): where in the replay each disposal and intraday
    trade was made (`_order` of the row being applied), under "disposals" and "trades"; and a
    LedgerError raised carries `at`, where the replay stopped. Replays of holdings that share
    no state (engine/book/kept_ledger.py) are merged by these into the order of one replay."""
    ordered = sorted(transactions, key=_order)
    state = _Replay(opening, _intraday_days(ordered, intraday) if intraday else {})
    apply = state.apply
    for tx in ordered:
        try:
            apply(tx)
        except LedgerError as e:
            e.at = (0, _order(tx))
            raise
    return state.ledger(positions)


# A day netted as intraday (see _intraday_days): the trade, the rest of the day (a Lot, a
# delivery sale, or None) and the day's last BUY or SELL row, where the day is applied.
Netted = dict[tuple[Key, date], tuple[IntradayTrade, Lot | Transaction | None, Transaction]]


class _Replay:
    """The state of one replay, row by row: each queue's open lots (FIFO) and units held, the
    disposals and intraday trades made and where (`_order`), and the units given up in a
    merger until the units received arrive."""

    def __init__(self, opening: Iterable[Lot], netted: Netted):
        self.netted = netted
        self.queues: dict[Key, deque[Lot]] = defaultdict(deque)
        self.held: dict[Key, Decimal] = defaultdict(Decimal)  # units in each queue
        self.disposals: list[Disposal] = []
        self.trades: list[IntradayTrade] = []
        self.occurrences: dict[tuple[object, ...], int] = defaultdict(int)
        self.merged_out: dict[tuple[str, str, date], list[Lot]] = defaultdict(list)
        self.merged_in_days: set[tuple[str, str, date]] = set()
        self.acquired_on: set[tuple[Key, date]] = set()
        self.merged_at: dict[tuple[str, str, date], Order] = {}
        self.disposal_at: list[Order] = []
        self.trade_at: list[Order] = []
        for lot in opening:
            self.queues[lot.key].append(lot)
            self.held[lot.key] += lot.units

    def apply(self, tx: Transaction) -> None:
        kind = tx.type
        if self.netted and (kind is BUY or kind is SELL) and (tx.key, tx.date) in self.netted:
            self.net_day(tx)
        elif kind in ACQUIRES or kind is BONUS:
            self.acquire(tx)
        elif kind in TRANSFERS or kind is MERGER_OUT:
            self.transfer(tx)
        elif kind is SPLIT:
            self.split(tx)
        elif kind is MERGER_IN:
            self.merge_in(tx)

    def net_day(self, tx: Transaction) -> None:
        """A BUY or SELL row of a day netted as intraday: the day's last one applies the whole day."""
        key = tx.key
        trade, rest, last = self.netted[(key, tx.date)]
        if tx is not last:
            return
        held = self.held
        self.trades.append(trade)
        self.trade_at.append(_order(tx))
        if isinstance(rest, Transaction):  # more sold than bought: the rest is a delivery sale
            if rest.units > held[key]:
                raise _fail(rest, f"{rest.units + trade.units} units of {tx.security} sold on {tx.date} in "
                            f"{tx.account}, {trade.units} of them bought that day (an intraday trade), but "
                            f"{tx.investor} held {held[key]} before", "check the units, the account and the "
                            "date; or import the earlier purchases")
            self.disposals.append(Disposal(rest, tuple(_take(self.queues[key], rest, held[key]))))
            self.disposal_at.append(_order(tx))
            held[key] -= rest.units
        elif rest is not None:  # more bought than sold: the rest is a lot
            ident = rest.ident
            n = self.occurrences[ident]
            self.occurrences[ident] = n + 1
            self.queues[key].append(rest._replace(ident=ident + (n,)))
            held[key] += rest.units

    def acquire(self, tx: Transaction) -> None:
        """A purchase, bonus, reinvestment or switch-in: a new lot at the back of the queue."""
        key, kind = tx.key, tx.type
        self.held[key] += tx.units
        if kind is BUY:
            self.acquired_on.add((key, tx.date))
        how = TYPE_VALUE[kind]
        ident = (tx.investor, tx.account, tx.security, tx.date, how, tx.units, tx.price)
        n = self.occurrences[ident]
        self.occurrences[ident] = n + 1
        cost = Decimal(0) if kind is BONUS else purchase_cost(tx)
        self.queues[key].append(Lot(ident + (n,), tx.investor, tx.account, tx.security, tx.date,
                                    tx.units, cost, tx.source, how))

    def transfer(self, tx: Transaction) -> None:
        """A sale, switch-out or merger-out: units taken from the front of the queue."""
        key = tx.key
        taken = _take(self.queues[key], tx, self.held[key])
        self.held[key] -= tx.units
        if tx.type is MERGER_OUT:
            day = (tx.investor, tx.account, tx.date)
            self.merged_at.setdefault(day, _order(tx))
            self.merged_out[day].extend(
                Lot((m.lot_id,), tx.investor, tx.account, tx.security, m.acquired, m.units, m.cost, tx.source,
                    "MERGER_OUT", m.history) for m in taken)
        else:
            self.disposals.append(Disposal(tx, tuple(taken)))
            self.disposal_at.append(_order(tx))

    def split(self, tx: Transaction) -> None:
        # (on a day netted as intraday, the day's purchases may be all there is to split:
        # they are counted in units after the split, _intraday_days)
        key = tx.key
        queue = self.queues[key]
        if not queue and (key, tx.date) not in self.netted:
            raise _fail(tx, f"a split of {tx.security}, which {tx.investor} does not hold in {tx.account}",
                        "check the security and account, or import the purchases first")
        step = Step(tx.date, tx.security, 1 / Fraction(tx.units))
        self.queues[key] = deque(lot._replace(units=lot.units * tx.units, history=lot.history + (step,))
                                 for lot in queue)
        self.held[key] *= tx.units

    def merge_in(self, tx: Transaction) -> None:
        day = (tx.investor, tx.account, tx.date)
        if day in self.merged_in_days:
            raise _fail(tx, f"a second merger on {tx.date} in {tx.account}: lotwise cannot tell which units "
                            "became which", "import each merger on its own day, or ask for pairing by scheme",
                        code="L103")
        self.merged_in_days.add(day)
        pool = self.merged_out.pop(day, None)
        if not pool:
            raise _fail(tx, "MERGER_IN without a MERGER_OUT on the same day in the same account",
                        "a merger is two rows: the units given up (MERGER_OUT) and received (MERGER_IN)")
        self.queues[tx.key].extend(_converted(pool, tx))
        self.held[tx.key] += tx.units

    def ledger(self, positions: dict[str, list[Order]] | None) -> Ledger:
        """The ledger at the end of the rows; LedgerError when units given up in a merger were
        never received."""
        if self.merged_out:
            (investor, account, day), lots = next(iter(self.merged_out.items()))
            e = LedgerError(error("L102", f"MERGER_OUT on {day} has no MERGER_IN in {account}",
                                  _source_span(lots[0].origin),
                                  "add the row for the units received, or the units vanish"))
            e.at = (1, self.merged_at[(investor, account, day)])  # after every row: only when no row failed
            raise e
        if positions is not None:
            positions["disposals"], positions["trades"] = self.disposal_at, self.trade_at
        queues, acquired_on = self.queues, self.acquired_on
        open_lots = tuple(lot for key in sorted(queues) for lot in queues[key])
        return Ledger(lots=open_lots, disposals=tuple(
            Disposal(d.tx, d.matched, True) if (d.tx.key, d.tx.date) in acquired_on else d for d in self.disposals),
            intraday=tuple(self.trades))


def _intraday_days(ordered: list[Transaction], intraday: Collection[str]) -> Netted:
    """For each (queue, day) of a security in `intraday` with both BUY and SELL rows: the
    intraday trade, the rest of the day (a Lot, a delivery sale as one Transaction, or None
    when as many units were bought as sold) and the day's last BUY or SELL row, where the
    replay applies them (after any other row of that day before it, a split say).

    Rows are in file order within a day, so a BUY or SELL row before a SPLIT row of that day
    is in units before the split: it is counted in units after every split between it and
    the day's last BUY or SELL row (where the day is applied), so that the netting compares
    like with like and the units the replay would hold without netting are kept."""
    days: dict[tuple[Key, date], tuple[list[Transaction], list[Transaction]]] = {}
    splits: dict[tuple[Key, date], list[Transaction]] = defaultdict(list)
    for tx in ordered:
        if tx.security in intraday:
            if tx.type is BUY or tx.type is SELL:
                days.setdefault((tx.key, tx.date), ([], []))[tx.type is SELL].append(tx)
            elif tx.type is SPLIT:
                splits[(tx.key, tx.date)].append(tx)
    netted: Netted = {}
    for day, (buys, sells) in days.items():
        if not (buys and sells):
            continue
        last = max(buys[-1], sells[-1], key=_order)
        between = [s for s in splits.get(day, ()) if _order(s) < _order(last)]

        def factor(row: Transaction) -> Decimal:
            f = Decimal(1)
            for split in between:
                if _order(split) > _order(row):
                    f *= split.units
            return f

        netted[day] = (*_net([(t, factor(t)) for t in buys], [(t, factor(t)) for t in sells]), last)
    return netted


def _net(buys: list[tuple[Transaction, Decimal]], sells: list[tuple[Transaction, Decimal]]
         ) -> tuple[IntradayTrade, Lot | Transaction | None]:
    """One day's purchases and sales of a security in one account, netted (see IntradayTrade);
    each row with the units after the day's splits per unit it names (1 without a split)."""
    first = buys[0][0]
    bought = sum((t.units * f for t, f in buys), Decimal(0))
    sold = sum((t.units * f for t, f in sells), Decimal(0))
    units = min(bought, sold)
    purchase = sum((purchase_cost(t) for t, _ in buys), Decimal(0))
    sale_value = sum((t.units * t.price for t, _ in sells), Decimal(0))
    sale_charges = sum((t.charges for t, _ in sells), Decimal(0))
    rest: Lot | Transaction | None = None
    if bought > units:
        cost = (purchase * units / bought).quantize(PAISA, rounding=ROUND_HALF_EVEN)
        left = bought - units
        rest = Lot((first.investor, first.account, first.security, first.date, "BUY", left,
                    f"net of {units} intraday"), first.investor, first.account, first.security, first.date,
                   left, purchase - cost, first.source, "BUY")
    else:
        cost = purchase
    if sold > units:
        # one price, in units as named, is kept exact; else the average, to the paisa
        prices = {(t.price, f) for t, f in sells}
        price, factor = next(iter(prices))
        if len(prices) > 1 or factor != 1:
            price = (sale_value / sold).quantize(PAISA, rounding=ROUND_HALF_EVEN)
        left = sold - units
        expenses = (sale_charges * units / sold).quantize(PAISA, rounding=ROUND_HALF_EVEN)
        proceeds = sale_value - left * price
        s = sells[0][0]
        rest = Transaction(s.date, s.investor, s.account, s.security, SELL, left, price, sale_charges - expenses,
                           s.source, s.seq)
    else:
        proceeds, expenses = sale_value, sale_charges
    rows = sorted([t for t, _ in buys] + [t for t, _ in sells], key=_order)
    trade = IntradayTrade(first.investor, first.account, first.security, first.date, units, cost, proceeds,
                          expenses, proceeds - expenses - cost, tuple(t.source for t in rows))
    return trade, rest


def purchase_cost(tx: Transaction) -> Decimal:
    """What a purchase cost, in rupees to the paisa (half-even): units x price with its charges
    (s.48(ii)). The amount paid is a sum of money, so it is rounded where it is made; every
    later amount (a part sold, a gain, a year's totals) is then in paise too."""
    cost = tx.units * tx.price + tx.charges
    exponent = cost.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number: the book's are checked (engine/book/rows.py)
    return cost.quantize(PAISA, rounding=ROUND_HALF_EVEN) if exponent < -2 else cost


def _take(queue: deque[Lot], tx: Transaction, held: Decimal) -> list[Matched]:
    if tx.units > held:
        raise _fail(tx, f"{tx.type.value} of {tx.units} units of {tx.security}, but {tx.investor} holds "
                        f"{held} in {tx.account} on {tx.date}",
                    "check the units, the account and the date; or import the earlier purchases")
    need, taken = tx.units, []
    while need:
        lot = queue[0]
        if lot.units <= need:
            queue.popleft()
            taken.append(Matched(lot.id, lot.acquired, lot.units, lot.cost, lot.history))
            need -= lot.units
        else:
            cost = (lot.cost * need / lot.units).quantize(PAISA, rounding=ROUND_HALF_EVEN)
            taken.append(Matched(lot.id, lot.acquired, need, cost, lot.history))
            queue[0] = lot._replace(units=lot.units - need, cost=lot.cost - cost)
            need = Decimal(0)
    return taken


def _converted(pool: list[Lot], tx: Transaction) -> list[Lot]:
    """Units received in a merger: each old lot becomes a new one with its cost and date,
    its units scaled by received / given up and rounded to 0.001 unit (half-even); the last
    takes the remainder, so the units received are exactly the units on the row."""
    given = sum((lot.units for lot in pool), Decimal(0))
    out, assigned = [], Decimal(0)
    for i, lot in enumerate(pool):
        units = (tx.units - assigned if i == len(pool) - 1
                 else (lot.units * tx.units / given).quantize(FUND_UNIT, rounding=ROUND_HALF_EVEN))
        assigned += units
        step = Step(tx.date, lot.security, Fraction(lot.units) / Fraction(units) if units else Fraction(1))
        out.append(Lot((lot.ident[0] if lot.how == "MERGER_OUT" else lot.id, tx.security), tx.investor,
                       tx.account, tx.security, lot.acquired, units, lot.cost, tx.source, "MERGER_IN",
                       lot.history + (step,)))
    return out
