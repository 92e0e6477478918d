"""The year-end harvest as a mixed-integer program: one builder per family of constraints.

The program (engine/harvest/program.py) has a column per lot in reach (units of the queue's quantum
sold from it), a few binaries, and rows that encode the law and the policy's `harvest` block. Each
`add_...` function below adds one family and says which rule it encodes; engine/harvest/optimizer.py
calls them in order. The order of columns and rows is part of the result (the solver breaks exact
ties by it), so the builders are called in one fixed order.

Floats: HiGHS takes its coefficients, bounds and answers as floats, so the program (and the reach
bound that sizes it) is built in floats here; every conversion is a `_f(...)` or `float(...)` marked
"solver input". Amounts of the year (gains already realised, losses there) are kept exact, as
Fractions, until they become a bound. Every amount the plan reports is recomputed in Decimal by the
tax engine from the unit counts the program picks (engine/harvest/evaluation.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.harvest.evaluation import allowance_of
from engine.harvest.program import INF, Program
from engine.harvest.queues import Queue
from engine.harvest.time_value import Valuation, valuation_of
from engine.plans.sell_choice import FUND_UNIT, SHARE, QueueKey, TaxPosition
from engine.policy.model import Investor, Policy
from engine.tax.complete import law_of
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import Holding
from engine.tax.year import Loss, Tranche, compute, condensed, set_off_order
from engine.vocabulary import Rate, RateKind, Term, resolve_rate

ZERO = Decimal(0)
TIE_TOLERANCE = 1.0  # rupees of tax value the plan may be from the optimum (docs/harvesting.md):
TIE_SHARE = 0.5  # at most this much for the tie-breaks (preference, charges, orders) together,
# and engine/harvest/program.py GAP for the solver's proof of optimality.
TERMS = (Term.SHORT, Term.LONG)
CENT = Decimal("0.01")
PART_ROUNDING = 0.01  # a partly sold lot's proceeds and basis are each rounded to the paisa (sell_choice.sale_part)

Bucket = tuple[Term, Rate | None, bool]  # (term, rate, exemptable): gains taxed alike and met alike by losses and the exemption


def _f(value: Decimal | Fraction | int) -> float:
    return float(value)  # solver input only


def bucket_of(h: Holding) -> Bucket:
    return (h.term, h.rate, h.exemptable)


@dataclass(frozen=True)
class Baseline:
    """The investor's year without the plan, as the program needs it: exact (Decimal, Fraction)."""

    cess: Fraction  # 1 + the cess rate
    threshold: Decimal | None  # `harvest losses larger than`
    short_limit: Decimal | None  # `realise short-term gains up to` (0: none allowed)
    losses_bf: tuple[Loss, ...]
    parts: tuple[RealisedPart, ...]  # realised so far, condensed
    allowance: Decimal  # the most net LTCG the plan may leave (evaluation.allowance_of)
    exemption: Decimal  # what the program is told the exemption is: the margin off it
    base_gain: dict[Bucket, Fraction]  # gains already realised, per bucket
    base_loss: dict[Term, Fraction]  # losses there to set off (this year's and those carried forward), per term
    limit: Decimal = ZERO  # the law's exemption for the year, no margin off it: where the tax engine carves it


def baseline_of(policy: Policy, investor: Investor, position: TaxPosition, fy: int) -> Baseline:
    """The year so far. Exempt parts (s.10(38)) are outside total income: they meet no loss,
    and no loss of them counts. Losses carried forward count while the law carries them."""
    law, rule = law_of(policy), policy.harvest
    losses_bf = tuple(position.losses.get(investor.id, ()))
    parts = tuple(condensed(position.realised.get(investor.id, ())))
    before, _ = compute(list(parts), law, investor, fy, losses_bf)
    # The margin: the program is told the exemption is `margin` smaller, so it never plans
    # net LTCG into the last `margin` rupees of it (unless the year is already past that).
    allowance = allowance_of(policy, before)
    base_gain: dict[Bucket, Fraction] = {}
    base_loss = {Term.SHORT: Fraction(0), Term.LONG: Fraction(0)}
    for part in parts:
        if part.rate == RateKind.EXEMPT:
            continue
        if part.gain > 0:
            key = (part.term, part.rate, part.exemptable)
            base_gain[key] = base_gain.get(key, Fraction(0)) + Fraction(part.gain)
        elif part.gain < 0:
            base_loss[part.term] += Fraction(-part.gain)
    carry = law.carry_forward_years
    for loss in losses_bf:
        if loss.fy < fy and (carry is None or loss.fy + carry >= fy):
            base_loss[loss.term] += Fraction(loss.amount)
    return Baseline(1 + Fraction(law.cess_rate(fy)), rule.loss_threshold if rule else None,
                    rule.short_term_gains_limit if rule else ZERO, losses_bf, parts, allowance,
                    min(before.exemption_limit, allowance), base_gain, base_loss, before.exemption_limit)


@dataclass
class Rates:
    """A bucket's rate as a number (a slab rate is the investor's; none, or unknown, is 0), and
    with cess as the program's float; each distinct rate converted once."""

    slab: Decimal | None
    cess: Fraction
    numbers: dict[Rate | None, Fraction] = field(default_factory=dict)
    taxed_floats: dict[Rate | None, float] = field(default_factory=dict)

    def of(self, rate: Rate | None) -> Fraction:
        if rate not in self.numbers:
            number = resolve_rate(rate, self.slab)  # None: no rate, or a slab rate not stated
            self.numbers[rate] = Fraction(number) if number is not None else Fraction(0)
        return self.numbers[rate]

    def taxed(self, rate: Rate | None) -> float:
        if rate not in self.taxed_floats:
            self.taxed_floats[rate] = float(self.of(rate) * self.cess)  # solver input
        return self.taxed_floats[rate]


@dataclass
class Formulation:
    """The program under construction and what its builders share: which columns hold which
    gains and losses, and the set-off's columns and rows for the builders after it."""

    baseline: Baseline
    rates: Rates
    order_len: int  # how many kinds the policy's `prefer` order names
    program: Program = field(default_factory=Program)
    buckets: dict[Bucket, dict[int, float]] = field(default_factory=dict)  # bucket -> {column: gain per count}
    loss_pool: dict[Term, dict[int, float]] = field(default_factory=lambda: {t: {} for t in TERMS})
    columns: dict[QueueKey, list[int]] = field(default_factory=dict)  # per queue: its lots' columns, FIFO order
    net_of_queue: dict[QueueKey, dict[int, float]] = field(default_factory=dict)
    preference_value: dict[int, float] = field(default_factory=dict)
    short_gain_cols: dict[int, float] = field(default_factory=dict)
    charges_of: dict[int, float] = field(default_factory=dict)
    runs: dict[int, int] = field(default_factory=dict)  # a lot's column -> the column before it in its run
    inexact: set[int] = field(default_factory=set)  # fund lots whose count's proceeds or basis is not whole paise
    count_terms: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # a fund lot's column ->
    # (gain per count, its future rate, its exit load and status price per count): rounding.costly_parts
    whole: frozenset[tuple[QueueKey, int]] = frozenset()  # fund lots (queue, index) sold in whole counts
    futures: dict[Decimal, float] = field(default_factory=dict)  # a few distinct future rates, each converted once
    # filled by add_set_off:
    ordered: list[Bucket] = field(default_factory=list)
    covered: dict[Bucket, dict[int, float]] = field(default_factory=dict)  # its gains - what covers them
    short_loss_to: dict[Bucket, int] = field(default_factory=dict)
    long_loss_to: dict[Bucket, int] = field(default_factory=dict)
    setoff_cols: dict[Term, list[int]] = field(default_factory=lambda: {t: [] for t in TERMS})
    exempt_cols: list[int] = field(default_factory=list)
    tax_row: dict[int, float] = field(default_factory=dict)
    baseline_tax: Fraction = Fraction(0)
    lt_row: dict[int, float] = field(default_factory=dict)
    lt_base: Fraction = Fraction(0)
    valuation: Valuation | None = None  # the time terms (engine/harvest/time_value.py); None: face value, no status cost
    migrated: dict[int, float] = field(default_factory=dict)  # column -> long-term gain per count, of a fund moved
    migrated_rate: float = 0.0  # the highest taxed rate (with cess) of those gains
    migrated_future: float = 0.0  # the highest future rate (x discount) of those gains
    saving_cols: list[int] = field(default_factory=list)  # the columns of lots whose sale saves expense


def start(policy: Policy, investor: Investor, fy: int, baseline: Baseline, as_of: date | None = None) -> Formulation:
    """`as_of`: the day of the plan, for the objective's time terms (none without it)."""
    rule = policy.harvest
    return Formulation(baseline, Rates(investor.slab_rate_for(fy), baseline.cess),
                       len(rule.selling_order) if rule else 0,
                       valuation=valuation_of(policy, investor, as_of, fy) if as_of is not None else None)


@dataclass
class _Chain:
    """The FIFO walk along one queue: the lot before (column, counts, gain per count, holding, future rate),
    the current binary-free run's columns and counts, and the binary that opens it."""

    previous: tuple[int, int, float, Holding, float] | None = None
    run: list[tuple[int, int]] = field(default_factory=list)
    gate: int | None = None


def _is_plain(q: Queue) -> bool:
    """A queue whose lots may share FIFO binaries in runs (`_joins_run`): fund units (continuous
    counts), no minimum redemption and no expense saving (those read an order's proceeds, which a
    run's repacking changes: the tax value would no longer follow the run's gain alone)."""
    return q.quantum == FUND_UNIT and q.minimum_amount is None and q.minimum_units is None and not q.saving


def _joins_run(before: tuple[int, int, float, Holding, float], per_count: float, h: Holding, future: float) -> bool:
    """Whether a lot may share the FIFO binary of the run of the lot before it (docs/harvesting.md,
    "The method"): the same bucket and future rate, both gains or both losses (in the program's
    floats and in the exact gains the repacking hands out: a lot of no gain is never in a run), and
    either no exit load on either (the tax value of any units of the run is then its gain times one
    rate: taking them in FIFO order changes no rupee of it) or the same load with the later lot
    gaining (or losing) no more per unit (FIFO order is then the program's own choice)."""
    _, _, gain_before, h_before, future_before = before
    if bucket_of(h_before) != bucket_of(h) or future_before != future:
        return False
    if not (per_count * gain_before > 0 and h.gain * h_before.gain > 0):
        return False
    if h.exit_load == 0 and h_before.exit_load == 0:
        return True
    return h_before.exit_load == h.exit_load and (0 < per_count <= gain_before or gain_before <= per_count < 0)


def add_lots(f: Formulation, q: Queue, reach: int) -> list[int]:
    """A column per lot of `q` in reach: counts of the quantum sold from it (whole for
    exchange-traded units and for the fund lots of `f.whole`, engine/harvest/rounding.py; other
    fund units continuous, rounded by rounding.py), worth its gain x
    its future rate (at its present value) less its exit load and the price of a worse status
    for the rebought units, less its tax where a gain is taxed now (the objective of
    docs/harvesting.md; STT and stamp duty only break ties). FIFO within an account
    (s.45(2A)): each lot only after the one before it is sold whole (add_fifo_step)."""
    cols: list[int] = []
    chain = _Chain()
    valuation = f.valuation
    discount = valuation.discount if valuation is not None else Fraction(1)
    statuses = valuation.status_costs(q) if valuation is not None else ()
    charge_rate = float(q.charge_rate)  # solver input
    futures = []
    for rate in q.future_rates[:reach]:
        if rate not in f.futures:
            f.futures[rate] = float(Fraction(rate) * discount)  # solver input
        futures.append(f.futures[rate])
    # A status cost differs between lots of one bucket (a debt lot bought before 1 April 2023 and an
    # s.50AA lot behind it, both short-term now): then taking the later first could pay, so FIFO binaries.
    plain = _is_plain(q) and not any(statuses[:reach])
    # A fund's minimum redemption: whole counts, so that rounding down never takes an order below it.
    minimum = q.minimum_amount is not None or q.minimum_units is not None
    for i, h in enumerate(q.holdings[:reach]):
        counts = int(h.lot.units / q.quantum)
        if counts == 0:
            break
        status = float(statuses[i]) if statuses else 0.0  # solver input
        col, per_count = _lot_column(f, q, h, counts, futures[i], charge_rate, status, minimum or (q.key, i) in f.whole)
        cols.append(col)
        add_fifo_step(f, chain, plain, col, counts, per_count, h, futures[i])
    f.columns[q.key] = cols
    return cols


def _lot_column(f: Formulation, q: Queue, h: Holding, counts: int, future: float, charge_rate: float,
                status: float = 0.0, whole: bool = False) -> tuple[int, float]:
    """The lot's column, filed under its bucket (gains), its term's loss pool (losses), its
    queue's net and the preference and charge terms; with its gain per count. `status`: the
    price of the rebuy's status per rupee of proceeds (time_value.Valuation.status_costs)."""
    p = f.program
    # The program's coefficients are floats (the plan's rupees are recomputed exactly).
    quantum = float(q.quantum)
    proceeds = float(h.price) * quantum
    load = proceeds * float(h.exit_load)
    per_count = proceeds - load - float(h.basis) / float(h.lot.units) * quantum
    value = per_count * future - load - proceeds * status  # the tax value; STT and stamp duty break ties
    if q.saving:  # the expense a migration saves (engine/harvest/migration.py)
        value += proceeds * float(q.saving)  # solver input
        f.saving_cols.append(len(p.cost))
        if per_count > 0 and h.term == Term.LONG and h.exemptable and h.rate != RateKind.EXEMPT:
            f.migrated[len(f.program.cost)] = per_count
            f.migrated_rate = max(f.migrated_rate, f.rates.taxed(h.rate))
            f.migrated_future = max(f.migrated_future, future)
    f.charges_of[len(p.cost)] = proceeds * charge_rate
    if per_count > 0:
        value -= per_count * f.rates.taxed(h.rate)
    col = p.var(0, counts, -value, integer=q.quantum == SHARE or whole)
    if q.quantum == FUND_UNIT:
        f.count_terms[col] = (per_count, future, load + proceeds * status)
    if q.quantum == FUND_UNIT and ((h.price * q.quantum) % CENT or (h.basis * q.quantum / h.lot.units) % CENT):
        f.inexact.add(col)
    if h.rate == RateKind.EXEMPT:
        pass  # an exempt gain is untaxed and meets no loss; an exempt loss is no loss
    elif per_count > 0:
        f.buckets.setdefault(bucket_of(h), {})[col] = per_count
        if h.term == Term.SHORT:
            f.short_gain_cols[col] = per_count
    elif per_count < 0:
        f.loss_pool[h.term][col] = -per_count
    f.net_of_queue.setdefault(q.key, {})[col] = per_count
    if q.preference < f.order_len:
        f.preference_value[col] = proceeds * (f.order_len - q.preference)
    return col, per_count


def add_fifo_step(f: Formulation, chain: _Chain, plain: bool, col: int, counts: int, per_count: float,
                  h: Holding, future: float = 0.0) -> None:
    """FIFO within an account (s.45(2A), Circular 768): a lot is sold only after every lot
    before it is sold whole, a binary `full` per step. Lots of one binary-free run of a plain
    queue (`_joins_run`) share the binary of the run's first lot: they may be taken in any order
    (rounding.py repacks them in FIFO order), but none before the lots in front of the run (issue 11)."""
    p = f.program
    if chain.previous is not None:  # this lot only after the one before is sold whole
        prev_col = chain.previous[0]
        if plain and _joins_run(chain.previous, per_count, h, future) and not p.integer[col] \
                and not p.integer[prev_col]:
            f.runs[col] = prev_col  # the same run: no binary; rounding.py repacks it in FIFO order
            chain.run.append((col, counts))
            if chain.gate is not None:  # but behind the same gate as the run's first lot
                p.row({col: 1.0, chain.gate: -float(counts)}, -INF, 0.0)
        else:
            full = p.var(0, 1, integer=True)
            # Every lot of the run before it whole: as each is at most its counts, their
            # sum reaching the run's total is the same, in one row.
            p.row({**{m: 1.0 for m, _ in chain.run}, full: -float(sum(c for _, c in chain.run))}, 0.0, INF)
            chain.gate = full
            p.row({col: 1.0, full: -float(counts)}, -INF, 0.0)
            chain.run = [(col, counts)]
    else:
        chain.run, chain.gate = [(col, counts)], None
    chain.previous = (col, counts, per_count, h, future)


def add_minimum_redemption(f: Formulation, q: Queue, cols: Sequence[int]) -> None:
    """The fund's minimum redemption (`minimum redemption Rs X` / `Y units`, the scheme's
    terms): an order from the queue is nothing or at least the minimum, a binary `sold`."""
    if not cols or (q.minimum_amount is None and q.minimum_units is None):
        return
    p = f.program
    sold = p.var(0, 1, integer=True)
    total = sum(int(h.lot.units / q.quantum) for h in q.holdings[:len(cols)])
    p.row({**{c: 1.0 for c in cols}, sold: -float(total)}, -INF, 0.0)
    if q.minimum_units is not None:
        p.row({**{c: _f(q.quantum) for c in cols}, sold: -_f(q.minimum_units)}, 0.0, INF)
    if q.minimum_amount is not None:
        p.row({**{c: _f(Fraction(q.holdings[0].price) * Fraction(q.quantum)) for c in cols},
               sold: -_f(q.minimum_amount)}, 0.0, INF)


def add_loss_threshold(f: Formulation, q: Queue, cols: Sequence[int]) -> None:
    """`harvest losses larger than Rs X`: an order that realises a net loss realises more than
    X ("larger than": at least a paisa more, gains being in paise), a binary `harvest`."""
    threshold = f.baseline.threshold
    if not cols or threshold is None or not threshold > 0 or not any(v < 0 for v in f.net_of_queue[q.key].values()):
        return
    p = f.program
    net = f.net_of_queue[q.key]
    big = sum(abs(v) * (p.upper[c]) for c, v in net.items()) + _f(threshold) + 1.0
    harvest = p.var(0, 1, integer=True)  # 1: this order realises a net loss
    p.row({**net, harvest: big}, 0.0, INF)
    p.row({**net, harvest: _f(threshold) + 0.01 + big}, -INF, big)


def tax_in_program_terms(policy: Policy, investor: Investor, parts: Sequence[RealisedPart], losses: Sequence[Loss],
                         fy: int, allowance: Decimal) -> Decimal:
    """The year's tax without the plan, before cess and rounding, with the exemption the
    program is told of (`allowance`): what the program's tax row must not exceed."""
    classes = tuple(replace(c, exemptions=tuple(replace(e, amount=allowance) for e in c.exemptions))
                    for c in law_of(policy).classes)
    law = replace(law_of(policy), cess=(), classes=classes)  # a new law: its remembered exemptions are not copied
    result, _ = compute(list(parts), law, investor, fy, losses)
    return result.tax


def _tranche_order(bucket: Bucket, investor: Investor, fy: int) -> tuple[int, Decimal]:
    """Where a bucket's taxed part stands in the order losses meet gains (year.set_off_order)."""
    term, rate, _ = bucket
    return set_off_order(Tranche(term, rate, False, ZERO), investor.slab_rate_for(fy))


def add_set_off(f: Formulation, policy: Policy, investor: Investor, fy: int) -> None:
    """The year's tax as the law lets the taxpayer set it off (ss.70, 74; engine/tax/year.py):
    per bucket of gains, what losses (of the terms the law lets meet it) and the exemption
    (s.112A) cover; the rest taxed at the bucket's rate. The tax row's bound starts as the
    year's tax without the plan (with cess), less the tax of the gains already realised
    (those are constants in the program; what covers them is not)."""
    b0 = f.baseline
    allowed = {rule_.loss: set(rule_.against) for rule_ in law_of(policy).set_off}
    f.baseline_tax = Fraction(tax_in_program_terms(policy, investor, b0.parts, b0.losses_bf, fy, b0.exemption)) \
        * b0.cess
    f.ordered = sorted(set(f.buckets) | set(b0.base_gain), key=lambda b: (_tranche_order(b, investor, fy), repr(b)))
    for b in f.ordered:
        _cover_bucket(f, b, allowed)


def _cover_bucket(f: Formulation, b: Bucket, allowed: Mapping[Term, set[Term]]) -> None:
    """One bucket's row (what covers it <= its gains), its set-off and exemption columns, and
    its share of the tax row and of net long-term gains."""
    p, b0 = f.program, f.baseline
    term, rate, exemptable = b
    taxed = _f(f.rates.of(rate) * b0.cess)  # covering a rupee of this bucket saves this much tax
    row = dict(f.buckets.get(b, {}))
    for loss_term in TERMS:
        if term in allowed.get(loss_term, set()):
            s = p.var(0, INF, -taxed)
            row[s] = -1.0
            f.setoff_cols[loss_term].append(s)
            if loss_term == Term.SHORT:
                f.short_loss_to[b] = s
            else:
                f.long_loss_to[b] = s
            if term == Term.LONG:
                f.lt_row[s] = -1.0
    if exemptable and b0.exemption > 0:
        e = p.var(0, INF, -taxed)
        row[e] = -1.0
        f.exempt_cols.append(e)
    p.row(row, -_f(b0.base_gain.get(b, Fraction(0))), INF)  # what is covered <= the gains
    f.covered[b] = row
    for c, v in row.items():  # the bucket's tax: rate x (its gains - what covers them)
        f.tax_row[c] = f.tax_row.get(c, 0.0) + v * taxed
    f.baseline_tax -= b0.base_gain.get(b, Fraction(0)) * f.rates.of(rate) * b0.cess
    if term == Term.LONG:
        f.lt_base += b0.base_gain.get(b, Fraction(0))
        for c, v in f.buckets.get(b, {}).items():
            f.lt_row[c] = f.lt_row.get(c, 0.0) + v


def add_short_loss_chain(f: Formulation) -> None:
    """Short-term losses meet gains in the law's order (s.70; engine/tax/year.py: the highest-
    taxed first, exempt parts last). The plan never leaves long-term gains taxed, so a
    long-term bucket is met only for what the exemption would otherwise cover: last, after
    every short-term bucket, whatever its rate (a slab rate the policy does not state
    included). A loss reaches a bucket only once every bucket before it is covered: one
    binary per step."""
    p, b0 = f.program, f.baseline
    chain = [b for b in f.ordered if b in f.short_loss_to and b[0] != Term.LONG] + \
        [b for b in f.ordered if b in f.short_loss_to and b[0] == Term.LONG]
    previous_step: int | None = None
    for earlier, later in zip(chain, chain[1:]):
        step = p.var(0, 1, integer=True)
        if previous_step is not None:  # reaching a bucket needs every bucket before it covered
            p.row({step: 1.0, previous_step: -1.0}, -INF, 0.0)
        previous_step = step
        gains = sum(v * p.upper[c] for c, v in f.buckets.get(earlier, {}).items()) + _f(b0.base_gain.get(earlier, 0))
        losses = sum(v * p.upper[c] for c, v in f.loss_pool[Term.SHORT].items()) + _f(b0.base_loss[Term.SHORT])
        big = gains + losses + 1.0  # bounds both the bucket's taxed part and any loss set off
        p.row({**f.covered[earlier], step: big}, -INF, big - _f(b0.base_gain.get(earlier, Fraction(0))))
        p.row({f.short_loss_to[later]: 1.0, step: -big}, -INF, 0.0)


def add_exemption_room(f: Formulation) -> None:
    """`realise gains up to the exemption, keep Rs M margin` (s.112A): net long-term gains
    after set-off stay within the allowance (in the law's set-off order, above; where the
    year already has taxed long-term gains the program's net is the higher, so it is never
    the looser of the two), and the exemption used stays within the exemption less the margin."""
    p, b0 = f.program, f.baseline
    if f.lt_row:
        p.row(f.lt_row, -INF, within(_f(Fraction(b0.allowance) - f.lt_base) + 1e-6, rounding_room(f, f.lt_row)))
    if f.exempt_cols:
        p.row({e: 1.0 for e in f.exempt_cols}, -INF, _f(b0.exemption))


def rounding_room(f: Formulation, row: Mapping[int, float]) -> float:
    """What the paise can add to a sum of gains the program counts in whole counts: each queue
    sells at most one lot in part (FIFO; a run is repacked into FIFO order), whose gain the tax
    engine computes from proceeds and basis each rounded to the paisa: up to PART_ROUNDING more,
    for a queue with a fund lot in whole counts (made whole by engine/harvest/rounding.py, or every
    lot under a stated saving: migration_room.whole_counts_moving) whose count's proceeds or basis
    is not whole paise (a continuous count is rounded down, and exchange-traded units are left as
    they were before issue 14)."""
    whole = f.program.integer
    return PART_ROUNDING * sum(1 for cols in f.columns.values()
                               if any(c in row and c in f.inexact and whole[c] for c in cols))


def within(bound: float, room: float) -> float:
    """A limit on gains less the paise rounding can add, but never below what selling nothing
    meets (a plan cannot un-realise)."""
    return bound - room if bound - room >= 0 else min(bound, 0.0)


def add_no_new_tax(f: Formulation) -> None:
    """No tax the year did not already owe: the plan realises no taxed gain (a taxed gain nets
    to nothing in value, but the policy says "never above" the exemption)."""
    f.program.row(f.tax_row, -INF, _f(f.baseline_tax) + 0.01)  # a paisa for the year's rounding


def add_losses_used(f: Formulation) -> None:
    """Per term, the losses set off are at most the losses there: those of the year and those
    carried forward (s.74), and those the plan realises."""
    for loss_term in TERMS:
        row = {s: 1.0 for s in f.setoff_cols[loss_term]}
        for c, v in f.loss_pool[loss_term].items():
            row[c] = row.get(c, 0.0) - v
        if row:
            f.program.row(row, -INF, _f(f.baseline.base_loss[loss_term]))


def add_short_term_allowance(f: Formulation) -> None:
    """`realise short-term gains up to Rs X`: the short-term gains the plan realises stay within X
    (with none allowed, the queues already stop before a short-term gain: queues.stop_of)."""
    limit = f.baseline.short_limit
    if f.short_gain_cols and limit is not None and limit > 0:
        f.program.row(f.short_gain_cols, -INF, within(_f(limit), rounding_room(f, f.short_gain_cols)))


def add_tie_breaks(f: Formulation, queues: Sequence[Queue]) -> None:
    """Ties (docs/harvesting.md): the tax value decides; then the policy's `prefer` order
    (proceeds from legacy funds, ...); then STT and stamp duty; then fewer orders. Each later
    criterion is a bonus or a cost scaled so that all of them together can move the tax value
    by less than TIE_SHARE of TIE_TOLERANCE: one solve, and the same plan every run."""
    p = f.program
    share = TIE_SHARE / 3
    most = sum(v * p.upper[c] for c, v in f.preference_value.items())
    for c, v in f.preference_value.items():
        p.cost[c] -= v * share / most
    most = sum(v * p.upper[c] for c, v in f.charges_of.items())
    for c, v in f.charges_of.items():
        p.cost[c] += v * share / most
    for q in queues:
        if f.columns[q.key]:
            used = p.var(0, 1, share / (len(queues) + 1), integer=True)
            p.row({**{c: 1.0 for c in f.columns[q.key]}, used: -sum(p.upper[c] for c in f.columns[q.key])},
                  -INF, 0.0)
