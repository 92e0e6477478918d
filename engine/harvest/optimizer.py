"""The year-end harvest optimizer (seed 000, section 3; docs/harvesting.md).

For each investor separately (each is a taxpayer with an own exemption, s.112A), choose how many
units to redeem from the front of each FIFO queue (investor, account, fund): FIFO within an
account is the law (s.45(2A), Circular 768), so a queue can only be sold from its front, and a
plan that wants a lot must sell every lot before it.

The objective, in rupees, maximised (docs/harvesting.md derives it):

    value = tax saved this FY                      (tax without the plan - tax with it)
          + future tax avoided by the step-up      (each gain realised x its future rate)
          - future tax added by the step-down      (each loss realised x its future rate)
          - exit loads - STT on the redemptions - stamp duty on the rebuys

The "future rate" of a lot is the rate its class's gain would bear when sold long-term later
(the long-term rate in force on `as_of`, or the short-term rate for a class that is always
short-term; a slab rate is the investor's, or 0 if unknown), with cess. A gain realised with
tax therefore nets to nothing (the tax now equals the tax avoided later), a gain inside the
exemption is worth its future tax, and a loss is worth the tax it saves this year less the
tax it adds later.

Constraints (the policy's `harvest` block): net long-term gains after set-off stay at or
below the exemption minus the margin (or where they already were, if above); no short-term
gain realised unless allowed (and then up to the stated amount); no exit load paid under
`never pay exit load`; an order that realises a net loss realises more than the loss
threshold; a fund's minimum redemption; fund units in 0.001, exchange-traded units whole.

Method: an exact mixed-integer program per investor, solved by HiGHS (highspy). The solver
only picks unit counts; every rupee in the plan is then computed again in Decimal by the tax
engine (engine/tax/year.py) from those units. Ties in value are broken by the policy's
preference order, then charges, then fewer orders: terms of the same objective, together worth
less than Rs 0.50 (one solve; docs/harvesting.md).
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.policy.model import Investor, Policy
from engine.plans.sell_choice import FUND_UNIT, SHARE, LotSale, SellOrder, TaxPosition, _part, _stt_rate
from engine.tax.realised import RealisedPart, paise
from engine.tax.unrealised import Holding
from engine.tax.year import Loss, Tranche, YearResult, _order, compute, condensed

ZERO = Decimal(0)
TIE_TOLERANCE = 1.0  # rupees of tax value the plan may be from the optimum (docs/harvesting.md):
TIE_SHARE = 0.5  # at most this much for the tie-breaks (preference, charges, orders) together,
GAP = 0.05  # and this much for the solver's proof of optimality (an absolute gap, in rupees)


@dataclass(frozen=True)
class Queue:
    """One FIFO queue of an investor: the lots the plan may sell (`lots`, a prefix of the
    queue) and why it may go no further (`stop`: the first lot it may not sell, and why)."""

    key: tuple[str, str, str]
    holdings: tuple[Holding, ...]  # the whole queue, FIFO order
    eligible: int  # how many lots from the front the plan may sell
    stop_code: str | None  # SHORT_TERM or EXIT_LOAD for holdings[eligible]; None otherwise
    quantum: Decimal
    future_rates: tuple[Decimal, ...]  # per lot of `holdings`: the rate its gain would bear later
    charge_rate: Decimal  # STT on the sale + stamp duty (and STT) on the rebuy, per rupee of proceeds
    preference: int  # 0 is the most preferred (the policy's order); len(order) for none
    minimum_amount: Decimal | None
    minimum_units: Decimal | None


@dataclass(frozen=True)
class InvestorPlan:
    investor: str
    exemption: Decimal
    allowance: Decimal  # the most net LTCG the plan may leave: exemption - margin (or the year's, if above)
    queues: tuple[Queue, ...]
    units: dict[tuple[str, str, str], Decimal]  # units sold per queue
    outcome: Outcome


@dataclass(frozen=True)
class HarvestPlan:
    as_of: date
    fy: int
    investors: tuple[InvestorPlan, ...]
    notes: tuple[str, ...] = ()


# Floats: HiGHS takes its coefficients, bounds and answers as floats, so the program (and the
# reach bound that sizes it) is built in floats; every amount the plan reports is recomputed
# in Decimal by the tax engine from the unit counts the program picks (evaluate).
INF = float("inf")


@contextmanager
def _fd1_to(target: int | None):
    """File descriptor 1 pointed at `target` (a descriptor; None: the null device) for the
    block, and back after it: what a C library prints there (HiGHS's banner, its log) is then
    not on the process's stdout. Python's and C's buffers are flushed on either side, so no
    text crosses over. One block at a time in a process (fd 1 is the process's, not a
    thread's). Does nothing if fd 1 cannot be duplicated (closed)."""
    with _FD1_LOCK:
        if sys.stdout is not None:
            sys.stdout.flush()
        _flush_c_stdio()
        try:
            saved = os.dup(1)
        except OSError:
            yield
            return
        sink = os.open(os.devnull, os.O_WRONLY) if target is None else None
        try:
            os.dup2(target if sink is None else sink, 1)
            yield
        finally:
            _flush_c_stdio()
            os.dup2(saved, 1)
            os.close(saved)
            if sink is not None:
                os.close(sink)


_FD1_LOCK = threading.Lock()


def _flush_c_stdio() -> None:
    """fflush(NULL): whatever the C library still buffers for fd 1 goes where fd 1 points now."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to ask (Windows): HiGHS flushes its own lines
        pass


def _f(value) -> float:
    return float(value)  # solver input only


def future_rate(policy: Policy, investor: Investor, tax_class: str, bought: date, as_of: date, fy: int) -> Decimal:
    """The rate (with cess) the gain of a lot of `tax_class` bought on `bought` would bear if it
    were kept and realised later: long-term, at today's rates, where the lot can become
    long-term; otherwise (s.50AA) its short-term rate, a slab rate being the investor's."""
    law = policy.tax
    treatment = law.treatment(tax_class, bought, as_of)
    long_possible = not treatment.always_short_term and treatment.long_term_after is not None
    rate = treatment.long_rate if long_possible else treatment.short_rate
    if rate == "slab":
        rate = investor.slab_rate_for(fy)
    if rate is None or rate == "exempt":
        return ZERO
    return rate * (1 + law.cess_rate(fy))  # exact: a rate and a cess rate of a few decimal places


def queues_of(policy: Policy, investor: Investor, holdings: Sequence[Holding], as_of: date, fy: int,
              overweight: set[str]) -> list[Queue]:
    """The investor's FIFO queues and how far into each the plan may go."""
    rule = policy.harvest
    never_short = rule is None or rule.short_term_gains_limit == 0
    no_load = rule is not None and rule.never_pay_exit_load
    order = list(rule.preference) if rule else []
    grouped: dict[tuple, list[Holding]] = {}
    for h in holdings:
        if h.lot.investor == investor.id:
            grouped.setdefault(h.lot.key, []).append(h)
    queues = []
    known: dict[tuple[str, date], Decimal] = {}

    def rates(tax_class: str, bought: date) -> Decimal:
        if (tax_class, bought) not in known:
            known[(tax_class, bought)] = future_rate(policy, investor, tax_class, bought, as_of, fy)
        return known[(tax_class, bought)]

    for key in sorted(grouped):
        lots = grouped[key]
        security = policy.portfolio.security(key[2])
        eligible, stop = len(lots), None
        for i, h in enumerate(lots):
            if no_load and h.exit_load > 0:
                eligible, stop = i, "EXIT_LOAD"
                break
            if never_short and h.term == "short-term" and h.gain > 0:
                eligible, stop = i, "SHORT_TERM"
                break
        rebuy = policy.portfolio.security(security.replacement) if security.legacy and security.replacement else security
        rebuy_charges = sum((c.rate for c in policy.tax.charges_on(rebuy or security, "purchase", as_of)), ZERO)
        ranks = []
        if security.legacy and "legacy-funds" in order:
            ranks.append(order.index("legacy-funds"))
        if security.asset in overweight and "overweight-assets" in order:
            ranks.append(order.index("overweight-assets"))
        if security.expense_ratio is not None and security.expense_ratio >= Decimal("0.01") and \
                "high-cost-funds" in order:
            ranks.append(order.index("high-cost-funds"))
        queues.append(Queue(key, tuple(lots), eligible, stop, SHARE if security.exchange_traded else FUND_UNIT,
                            tuple(rates(security.tax_class, h.lot.acquired) for h in lots),
                            _stt_rate(policy, key[2], as_of) + rebuy_charges,
                            min(ranks) if ranks else len(order), security.minimum_redemption,
                            security.minimum_redemption_units))
    return queues


# ------------------------------------------------------------------ exact evaluation
def parts_for(queues: Sequence[Queue], units: Mapping[tuple, Decimal], as_of: date, fy: int
              ) -> dict[tuple, list[tuple[Holding, Decimal, RealisedPart, Decimal]]]:
    """The FIFO parts that selling `units` from each queue realises: (holding, units, part, load)."""
    out: dict[tuple, list] = {}
    for q in queues:
        left = units.get(q.key, ZERO)
        taken = []
        for h in q.holdings:
            if left <= 0:
                break
            take = min(left, h.lot.units)
            part, load = _part(h, take, as_of, fy, h.exit_load)
            taken.append((h, take, part, load))
            left -= take
        if taken:
            out[q.key] = taken
    return out


@dataclass(frozen=True)
class Outcome:
    """A plan's numbers for one investor, exact (Decimal), from the tax engine."""

    tax_value: Decimal  # tax saved + step-up - exit loads: what the program maximises first
    value: Decimal  # tax_value - STT - stamp duty: the objective of docs/harvesting.md
    tax_saved: Decimal
    step_up: Decimal  # future tax avoided by gains realised, net of the future tax losses add
    exit_loads: Decimal
    charges: Decimal  # STT on the redemptions and stamp duty on the rebuys
    before: YearResult
    after: YearResult
    orders: tuple[SellOrder, ...]
    parts: tuple[RealisedPart, ...]


def evaluate(policy: Policy, investor: Investor, position: TaxPosition, queues: Sequence[Queue],
             units: Mapping[tuple, Decimal], as_of: date, fy: int) -> Outcome:
    """The objective of selling `units` from each queue, computed exactly by the tax engine."""
    before_parts = [*position.realised.get(investor.id, ())]
    losses = position.losses.get(investor.id, ())
    before, _ = compute(before_parts, policy.tax, investor, fy, losses)
    taken = parts_for(queues, units, as_of, fy)
    new_parts = [part for key in taken for _, _, part, _ in taken[key]]
    after, _ = compute([*before_parts, *new_parts], policy.tax, investor, fy, losses)
    by_key = {q.key: q for q in queues}
    step = ZERO
    charges = loads_total = ZERO
    orders = []
    for key, items in taken.items():
        q = by_key[key]
        proceeds = sum((p.proceeds for _, _, p, _ in items), ZERO)
        loads = sum((load for _, _, _, load in items), ZERO)
        loads_total += loads
        charges += paise(q.charge_rate * proceeds)
        for i, (_, _, p, _) in enumerate(items):  # items are the queue's lots from its front
            step += p.gain * q.future_rates[i]
        stt = paise(_stt_rate(policy, key[2], as_of) * proceeds)
        orders.append(SellOrder(key[0], key[1], key[2], q.holdings[0].asset, q.holdings[0].price,
                                sum((u for _, u, _, _ in items), ZERO), proceeds,
                                tuple(LotSale(h.lot.id, h.lot.acquired, u, p.proceeds, p.basis, load, p.gain, h.term,
                                              ZERO) for h, u, p, load in items),
                                ZERO, stt, loads))
    tax_saved = before.total_tax - after.total_tax
    step_up = paise(step)
    tax_value = tax_saved + step_up - loads_total
    return Outcome(tax_value, tax_value - charges, tax_saved, step_up, loads_total, charges, before, after,
                   tuple(orders), tuple(new_parts))


# ------------------------------------------------------------------ the program
@dataclass
class _Program:
    cost: list[float] = field(default_factory=list)  # minimised: the negated value
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def var(self, lower: float, upper: float, cost: float = 0.0, integer: bool = False) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, coefficients: dict[int, float], lower: float, upper: float) -> None:
        self.rows.append((coefficients, lower, upper))

    def solve(self) -> list[float] | None:
        """The optimum (HiGHS, one thread, a fixed seed: the same plan every run), or None."""
        import highspy
        import numpy as np

        inf = highspy.kHighsInf
        log = bool(os.environ.get("LOTWISE_HIGHS_LOG"))
        # HiGHS prints a banner to file descriptor 1 when the first solver of a process is made,
        # before output_flag can be set: made with fd 1 pointed away, so stdout carries only
        # the command's data (issue 11). Its log, when asked for, goes to stderr.
        with _fd1_to(2 if log else None):
            h = highspy.Highs()
        h.setOptionValue("output_flag", log)  # off: the solver prints nothing more
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", GAP)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("threads", 1)
        if len(self.cost) > 1000:  # presolve's probing of every lot's binary: 0.6 s of 1 s per investor
            h.setOptionValue("presolve", "off")
        lp = highspy.HighsLp()
        n, m = len(self.cost), len(self.rows)
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.array(self.lower, dtype=float)
        lp.col_upper_ = np.array([inf if u == INF else u for u in self.upper], dtype=float)
        lp.row_lower_ = np.array([-inf if lo == -INF else lo for _, lo, _ in self.rows], dtype=float)
        lp.row_upper_ = np.array([inf if up == INF else up for _, _, up in self.rows], dtype=float)
        columns: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for r, (coefficients, _, _) in enumerate(self.rows):
            for c, v in coefficients.items():
                if v != 0.0:
                    columns[c].append((r, v))
        starts, index, values = [0], [], []
        for col in columns:
            for r, v in col:
                index.append(r)
                values.append(v)
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.integer]
        h.passModel(lp)
        with _fd1_to(2) if log else nullcontext():
            h.run()
        status = h.modelStatusToString(h.getModelStatus())
        if status != "Optimal":
            return None
        return list(h.getSolution().col_value)


def _bucket(h: Holding) -> tuple:
    return (h.term, h.rate, h.exemptable)


def _tranche_order(bucket: tuple, investor: Investor, fy: int) -> tuple:
    """Where a bucket's taxed part stands in the order losses meet gains (year._order)."""
    term, rate, _ = bucket
    return _order(Tranche(term, rate, False, ZERO), investor.slab_rate_for(fy))


def _tax_in_program_terms(policy: Policy, investor: Investor, parts: list[RealisedPart], losses: Sequence[Loss],
                          fy: int, allowance: Decimal) -> Decimal:
    """The year's tax without the plan, before cess and rounding, with the exemption the
    program is told of (`allowance`): what the program's tax row must not exceed."""
    classes = tuple(c.model_copy(update={"exemptions": tuple(e.model_copy(update={"amount": allowance})
                                                                for e in c.exemptions)})
                    for c in policy.tax.classes)
    law = policy.tax.model_copy(update={"cess": (), "classes": classes})
    result, _ = compute(parts, law, investor, fy, losses)
    return result.tax


def _reach(queues: Sequence[Queue], base_gain: Mapping[tuple, Fraction], base_loss: Mapping[str, Fraction],
           allowance: Decimal) -> dict[tuple, int]:
    """How many lots of each queue the program considers: a lot is left out when every plan
    selling into it would realise more net gain than the exemption left and every loss in
    reach could cover (such a plan would be taxed, which the program forbids)."""
    in_reach = sum(-float(h.gain) for q in queues for h in q.holdings[:q.eligible] if h.gain < 0)
    long_gains = sum((g for b, g in base_gain.items() if b[0] == "long-term"), Fraction(0))
    # Generous, so always safe: short-term gains already realised use none of the room, and
    # every loss there is counted as if it could meet long-term gains.
    room = max(0.0, float(allowance) + float(sum(base_loss.values(), Fraction(0))) - float(long_gains)) \
        + in_reach + 1.0  # a rupee of slack for floats
    reach = {}
    for q in queues:
        lots = q.holdings[:q.eligible]
        through, running = [], 0.0
        for h in lots:
            running += float(h.gain)
            through.append(running)
        suffix_min = list(through)
        for i in range(len(lots) - 2, -1, -1):
            suffix_min[i] = min(suffix_min[i], suffix_min[i + 1])
        count = 0
        for i in range(len(lots)):
            before = through[i - 1] if i else 0.0
            if min(before, suffix_min[i]) > room:
                break
            count = i + 1
        reach[q.key] = count
    return reach


def solve_investor(policy: Policy, investor: Investor, position: TaxPosition, queues: Sequence[Queue],
                   as_of: date, fy: int, prefer: bool = True) -> dict[tuple, Decimal]:
    """Units to sell per queue: the program's optimum; with `prefer`, ties (within Re 1 of tax
    value) go to the policy's preference order, then less STT and stamp duty, then fewer orders."""
    law, rule = policy.tax, policy.harvest
    cess = 1 + Fraction(law.cess_rate(fy))
    threshold = rule.loss_threshold if rule else None
    short_limit = rule.short_term_gains_limit if rule else ZERO
    losses_bf = position.losses.get(investor.id, ())
    baseline_parts = condensed(position.realised.get(investor.id, ()))
    before, _ = compute(baseline_parts, law, investor, fy, losses_bf)
    # The margin: the program is told the exemption is `margin` smaller, so it never plans
    # net LTCG into the last `margin` rupees of it (unless the year is already past that).
    allowance = allowance_of(policy, before)
    exemption = min(before.exemption_limit, allowance)  # what the program is told the exemption is

    rates: dict[object, Fraction] = {}
    taxed_per_rate: dict[object, float] = {}  # a bucket's rate with cess, as the program's float

    def taxed_float(rate) -> float:
        if rate not in taxed_per_rate:
            taxed_per_rate[rate] = float(rate_of(rate) * cess)
        return taxed_per_rate[rate]

    def rate_of(rate) -> Fraction:
        """A bucket's rate as a number (a slab rate is the investor's; none, or unknown, is 0)."""
        if rate not in rates:
            if rate == "slab":
                slab = investor.slab_rate_for(fy)
                rates[rate] = Fraction(slab) if slab is not None else Fraction(0)
            elif rate == "exempt":
                rates[rate] = Fraction(0)
            else:
                rates[rate] = Fraction(rate) if rate is not None else Fraction(0)
        return rates[rate]

    p = _Program()
    buckets: dict[tuple, dict[int, float]] = {}  # bucket -> {column: gain per count}
    base_gain: dict[tuple, Fraction] = {}
    loss_pool: dict[str, dict[int, float]] = {"short-term": {}, "long-term": {}}
    base_loss = {"short-term": Fraction(0), "long-term": Fraction(0)}
    for part in baseline_parts:
        if part.rate == "exempt":
            continue  # outside total income (s.10(38)): meets no loss, and no loss of it counts
        if part.gain > 0:
            key = (part.term, part.rate, part.exemptable)
            base_gain[key] = base_gain.get(key, Fraction(0)) + Fraction(part.gain)
        elif part.gain < 0:
            base_loss[part.term] += Fraction(-part.gain)
    carry = law.carry_forward_years
    for loss in losses_bf:
        if loss.fy < fy and (carry is None or loss.fy + carry >= fy):
            base_loss[loss.term] += Fraction(loss.amount)

    columns: dict[tuple, list[int]] = {}
    net_of_queue: dict[tuple, dict[int, float]] = {}
    preference_value: dict[int, float] = {}
    order_len = len(rule.preference) if rule else 0
    short_gain_cols: dict[int, float] = {}
    charges_of: dict[int, float] = {}
    runs: dict[int, int] = {}  # a lot's column -> the column before it in the same binary-free run
    reach = _reach(queues, base_gain, base_loss, allowance)
    futures_of: dict[Decimal, float] = {}  # a few distinct future rates, each converted once
    run: list[tuple[int, int]] = []
    gate: int | None = None  # the binary the current run's lots need (None for a queue's first run)
    for q in queues:
        cols = []
        previous_full = None
        charge_rate = float(q.charge_rate)
        futures = []
        for rate in q.future_rates[:reach[q.key]]:
            if rate not in futures_of:
                futures_of[rate] = float(rate)  # solver input
            futures.append(futures_of[rate])
        # A "plain" queue (fund units, not preferred, no minimum, no loss lot in reach) needs no
        # FIFO binary between two lots of one bucket when the later gains no more per unit: the
        # program then never does better by taking the later one first (the same tax, the same
        # or more charges), and _units repacks any tie in FIFO order.
        plain = (q.quantum == FUND_UNIT and q.preference >= order_len and q.minimum_amount is None
                 and q.minimum_units is None and all(h.gain >= 0 for h in q.holdings[:reach[q.key]]))
        for i, h in enumerate(q.holdings[:reach[q.key]]):
            counts = int(h.lot.units / q.quantum)
            if counts == 0:
                break
            # The program's coefficients are floats (the plan's rupees are recomputed exactly).
            quantum = float(q.quantum)
            proceeds = float(h.price) * quantum
            load = proceeds * float(h.exit_load)
            per_count = proceeds - load - float(h.basis) / float(h.lot.units) * quantum
            value = per_count * futures[i] - load  # the tax value; STT and stamp duty break ties
            charges_of[len(p.cost)] = proceeds * charge_rate
            if per_count > 0:
                value -= per_count * taxed_float(h.rate)
            col = p.var(0, counts, -value, integer=q.quantum == SHARE)
            cols.append(col)
            if h.rate == "exempt":
                pass  # an exempt gain is untaxed and meets no loss; an exempt loss is no loss
            elif per_count > 0:
                buckets.setdefault(_bucket(h), {})[col] = per_count
                if h.term == "short-term":
                    short_gain_cols[col] = per_count
            elif per_count < 0:
                loss_pool[h.term][col] = -per_count
            net_of_queue.setdefault(q.key, {})[col] = per_count
            if q.preference < order_len:
                preference_value[col] = proceeds * (order_len - q.preference)
            if previous_full is not None:  # this lot only after the one before is sold whole
                prev_col, prev_counts, prev_gain, prev_h = previous_full
                if plain and per_count > 0 and 0 < per_count <= prev_gain and prev_h.exit_load == h.exit_load \
                        and _bucket(prev_h) == _bucket(h):
                    runs[col] = prev_col  # the same run: no binary; _units repacks it in FIFO order
                    run.append((col, counts))
                    if gate is not None:  # but behind the same gate as the run's first lot
                        p.row({col: 1.0, gate: -float(counts)}, -INF, 0.0)
                else:
                    full = p.var(0, 1, integer=True)
                    # Every lot of the run before it whole: as each is at most its counts, their
                    # sum reaching the run's total is the same, in one row.
                    p.row({**{m: 1.0 for m, _ in run}, full: -float(sum(c for _, c in run))}, 0.0, INF)
                    # This lot, and every later lot of the run it starts, only with `full`: the
                    # lots of a run may be taken in any order (_units repacks them), but none
                    # before the lots in front of the run (issue 11).
                    gate = full
                    p.row({col: 1.0, full: -float(counts)}, -INF, 0.0)
                    run = [(col, counts)]
            else:
                run, gate = [(col, counts)], None
            previous_full = (col, counts, per_count, h)
        columns[q.key] = cols
        if cols and (q.minimum_amount is not None or q.minimum_units is not None):
            sold = p.var(0, 1, integer=True)
            total = sum(int(h.lot.units / q.quantum) for h in q.holdings[:len(cols)])
            p.row({**{c: 1.0 for c in cols}, sold: -float(total)}, -INF, 0.0)
            if q.minimum_units is not None:
                p.row({**{c: _f(q.quantum) for c in cols}, sold: -_f(q.minimum_units)}, 0.0, INF)
            if q.minimum_amount is not None:
                p.row({**{c: _f(Fraction(q.holdings[0].price) * Fraction(q.quantum)) for c in cols},
                       sold: -_f(q.minimum_amount)}, 0.0, INF)
        if cols and threshold is not None and threshold > 0 and any(v < 0 for v in net_of_queue[q.key].values()):
            big = sum(abs(v) * (p.upper[c]) for c, v in net_of_queue[q.key].items()) + _f(threshold) + 1.0
            harvest = p.var(0, 1, integer=True)  # 1: this order realises a net loss
            p.row({**net_of_queue[q.key], harvest: big}, 0.0, INF)
            # "larger than": at least a paisa more than the threshold (gains are in paise).
            p.row({**net_of_queue[q.key], harvest: _f(threshold) + 0.01 + big}, -INF, big)

    # The year's tax as the law lets the taxpayer set it off (engine/tax/year.py): per bucket of
    # gains, what losses and the exemption cover; the rest taxed at the bucket's rate.
    allowed = {rule_.loss: set(rule_.against) for rule_ in law.set_off}
    exempt_cols = []
    setoff_cols: dict[str, list[int]] = {"short-term": [], "long-term": []}
    tax_row: dict[int, float] = {}
    # The tax row's bound: the year's tax without the plan (with cess), less the tax of the gains
    # already realised (those are constants in the program; what covers them is not).
    baseline_tax = Fraction(_tax_in_program_terms(policy, investor, baseline_parts, losses_bf, fy, exemption)) * cess
    ordered = sorted(set(buckets) | set(base_gain), key=lambda b: (_tranche_order(b, investor, fy), repr(b)))
    covered: dict[tuple, dict[int, float]] = {}  # per bucket: its gains - what covers them (its taxable part)
    short_loss_to: dict[tuple, int] = {}
    lt_row: dict[int, float] = {}
    lt_base = Fraction(0)
    for b in ordered:
        term, rate, exemptable = b
        taxed = _f(rate_of(rate) * cess)  # covering a rupee of this bucket saves this much tax
        row = dict(buckets.get(b, {}))
        for loss_term in ("short-term", "long-term"):
            if term in allowed.get(loss_term, set()):
                s = p.var(0, INF, -taxed)
                row[s] = -1.0
                setoff_cols[loss_term].append(s)
                if loss_term == "short-term":
                    short_loss_to[b] = s
                if term == "long-term":
                    lt_row[s] = -1.0
        if exemptable and exemption > 0:
            e = p.var(0, INF, -taxed)
            row[e] = -1.0
            exempt_cols.append(e)
        p.row(row, -_f(base_gain.get(b, Fraction(0))), INF)  # what is covered <= the gains
        covered[b] = row
        for c, v in row.items():  # the bucket's tax: rate x (its gains - what covers them)
            tax_row[c] = tax_row.get(c, 0.0) + v * taxed
        baseline_tax -= base_gain.get(b, Fraction(0)) * rate_of(rate) * cess
        if term == "long-term":
            lt_base += base_gain.get(b, Fraction(0))
            for c, v in buckets.get(b, {}).items():
                lt_row[c] = lt_row.get(c, 0.0) + v
    # Short-term losses meet gains in the law's order (engine/tax/year.py: the highest-taxed
    # first, exempt parts last). The plan never leaves long-term gains taxed, so a long-term
    # bucket is met only for what the exemption would otherwise cover: last, after every
    # short-term bucket, whatever its rate (a slab rate the policy does not state included).
    # A loss reaches a bucket only once every bucket before it is covered: one binary per step.
    chain = [b for b in ordered if b in short_loss_to and b[0] != "long-term"] + \
        [b for b in ordered if b in short_loss_to and b[0] == "long-term"]
    previous_step = None
    for earlier, later in zip(chain, chain[1:]):
        step = p.var(0, 1, integer=True)
        if previous_step is not None:  # reaching a bucket needs every bucket before it covered
            p.row({step: 1.0, previous_step: -1.0}, -INF, 0.0)
        previous_step = step
        gains = sum(v * p.upper[c] for c, v in buckets.get(earlier, {}).items()) + _f(base_gain.get(earlier, 0))
        losses = sum(v * p.upper[c] for c, v in loss_pool["short-term"].items()) + _f(base_loss["short-term"])
        big = gains + losses + 1.0  # bounds both the bucket's taxed part and any loss set off
        p.row({**covered[earlier], step: big}, -INF, big - _f(base_gain.get(earlier, Fraction(0))))
        p.row({short_loss_to[later]: 1.0, step: -big}, -INF, 0.0)
    # Net long-term gains after set-off stay within the allowance (in the law's set-off order,
    # above; where the year already has taxed long-term gains the program's net is the higher,
    # so it is never the looser of the two).
    if lt_row:
        p.row(lt_row, -INF, _f(Fraction(allowance) - lt_base) + 1e-6)
    if exempt_cols:
        p.row({e: 1.0 for e in exempt_cols}, -INF, _f(exemption))
    # No tax the year did not already owe: the plan realises no taxed gain (a taxed gain
    # nets to nothing in value, but the policy says "never above" the exemption).
    p.row(tax_row, -INF, _f(baseline_tax) + 0.01)  # a paisa for the year's rounding
    for loss_term in ("short-term", "long-term"):
        row = {s: 1.0 for s in setoff_cols[loss_term]}
        for c, v in loss_pool[loss_term].items():
            row[c] = row.get(c, 0.0) - v
        if row:
            p.row(row, -INF, _f(base_loss[loss_term]))  # losses used <= losses there
    if short_gain_cols and short_limit is not None and short_limit > 0:
        p.row(short_gain_cols, -INF, _f(short_limit))
    if not any(columns.values()):
        return {}
    if prefer:
        # Ties (docs/harvesting.md): the tax value decides; then the policy's preference order
        # (proceeds from legacy funds, ...); then STT and stamp duty; then fewer orders. Each
        # later criterion is a bonus or a cost scaled so that all of them together can move the
        # tax value by less than TIE_TOLERANCE: one solve, and the same plan every run.
        share = TIE_SHARE / 3
        most = sum(v * p.upper[c] for c, v in preference_value.items())
        for c, v in preference_value.items():
            p.cost[c] -= v * share / most
        most = sum(v * p.upper[c] for c, v in charges_of.items())
        for c, v in charges_of.items():
            p.cost[c] += v * share / most
        for q in queues:
            if columns[q.key]:
                used = p.var(0, 1, share / (len(queues) + 1), integer=True)
                p.row({**{c: 1.0 for c in columns[q.key]}, used: -sum(p.upper[c] for c in columns[q.key])},
                      -INF, 0.0)
    solution = p.solve()
    if solution is None:
        return {}
    return _units(queues, columns, solution, runs, p.upper, threshold)


def _units(queues: Sequence[Queue], columns: Mapping[tuple, list[int]], solution: list[float],
           runs: Mapping[int, int], upper: Sequence[float], threshold: Decimal | None) -> dict[tuple, Decimal]:
    """Units per queue from the program's counts. Fund units are continuous in the program
    (branching on 0.001-unit counts is slow, and exact to within one count anyway): a part
    of a gain lot is rounded down and a part of a loss lot up, so that no rounding can add a
    taxed rupee. Within a binary-free run (solve_investor) the run's gain is first repacked in
    FIFO order: the same gain from the earlier lots, which gain at least as much per unit."""
    solution = list(solution)
    for q in queues:
        cols = columns[q.key]
        start = 0
        while start < len(cols):
            end = start + 1
            while end < len(cols) and runs.get(cols[end]) == cols[end - 1]:
                end += 1
            if end - start > 1:
                gains = [q.holdings[i].gain / q.holdings[i].lot.units * q.quantum for i in range(start, end)]
                # the run's gain from the solver's (float) counts, handed out in FIFO order
                left = sum(float(g) * solution[c] for g, c in zip(gains, cols[start:end]))
                for g, c in zip(gains, cols[start:end]):
                    take = min(upper[c], left / float(g)) if g > 0 else 0.0
                    solution[c] = take
                    left = max(0.0, left - take * float(g))
            start = end
    units = {}
    for q in queues:
        wholes, rounded_up = [], None
        for i, (h, c) in enumerate(zip(q.holdings, columns[q.key])):
            x = solution[c]
            counts = int(h.lot.units / q.quantum)
            near = round(x)
            if abs(x - near) < 1e-4:  # the solver's tolerance, not a part of a count
                whole = near
            elif h.gain > 0:
                whole = int(x)
            else:
                whole, rounded_up = min(counts, int(x) + 1), i
            wholes.append(whole)
        if rounded_up is not None and threshold:
            # Rounding a loss up must not make an order's net loss one the policy would not
            # harvest (not larger than the threshold): round that part down instead.
            net = sum((h.gain / h.lot.units * q.quantum * w for h, w in zip(q.holdings, wholes)), ZERO)
            if -threshold <= net < 0:
                wholes[rounded_up] -= 1
        total = sum((Decimal(w) * q.quantum for w in wholes), ZERO)
        if total > 0:
            units[q.key] = total
    return units


def allowance_of(policy: Policy, before: YearResult) -> Decimal:
    """The most net LTCG after set-off a plan may leave: with `realise gains up to the
    exemption`, the exemption less the policy's margin; without it, no more than the year
    already has (gains are then realised only to absorb harvested losses). Never less than
    the year already has: a plan cannot un-realise."""
    rule = policy.harvest
    limit = before.exemption_limit
    if rule is not None and rule.realise_gains:
        target = limit - rule.margin
    else:
        target = ZERO
    return max(target, before.net_ltcg)


def plan_year_end(policy: Policy, holdings: Sequence[Holding], position: TaxPosition, as_of: date,
                  overweight: set[str] | None = None) -> HarvestPlan:
    """The harvest for every investor of the policy (each solved on their own)."""
    fy = position.fy
    plans = []
    for investor in policy.portfolio.investors:
        queues = queues_of(policy, investor, holdings, as_of, fy, overweight or set())
        units = solve_investor(policy, investor, position, queues, as_of, fy)
        outcome = evaluate(policy, investor, position, queues, units, as_of, fy)
        plans.append(InvestorPlan(investor.id, outcome.before.exemption_limit, allowance_of(policy, outcome.before),
                                  tuple(queues), units, outcome))
    return HarvestPlan(as_of, fy, tuple(plans))
