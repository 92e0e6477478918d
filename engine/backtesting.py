"""`api.backtest`: a policy replayed over the book's price history, or a generated scenario's,
beside the other ways of rebalancing (engine/backtest: `simulate`, `measure`; docs/backtest.md).
Imported by engine/api.py; nothing of engine.backtest is imported until a backtest runs, so the
other commands start as fast as before."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from engine.inputs import Refused
from engine.precision import with_precision

if TYPE_CHECKING:
    from engine.backtest.measures import Measures
    from engine.backtest.monte_carlo import MonteCarlo
    from engine.backtest.scenario import Scenario
    from engine.backtest.run import Run
    from engine.book.store import Book
    from engine.policy.model import Policy
    from engine.progress import Progress
    from engine.transactions import Price


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's run (engine/backtest/run.py) and its measures (measures.py)."""

    run: Run
    measures: Measures


@dataclass(frozen=True)
class Backtest:
    """`lotwise backtest`: the days run (`first` to `last`), where the prices came from
    (`source`: "book", or the scenario file's path; `seed`: the scenario's seed used), each
    investor's money a month, and each strategy's run and measures, in the order asked."""

    first: date
    last: date
    source: str
    seed: int | None
    money: Mapping[str, int]
    results: tuple[StrategyResult, ...]
    tax_from: str = "outside"  # engine/backtest/strategies.py TaxFrom: where each FY's tax was paid from


def book_prices(book: Book, securities: Sequence[str]) -> list[Price]:
    """Every price the book holds of `securities` (its price table, by security then date)."""
    return [p for s in securities for p in book.prices_between(s, date.min, date.max)]


def scenario_prices(policy: Policy, path: str | Path, seed: int | None) -> tuple[tuple[Price, ...], int]:
    """The scenario file's prices for the policy's funds, and the seed used (`seed`, else the
    file's); Refused with the file's diagnostics (file:line:col) when it has errors."""
    from engine.backtest.scenario import prices, securities_of

    assert policy.portfolio is not None
    scenario = scenario_of(policy, path)
    used = scenario.seed if seed is None else seed
    return prices(scenario, securities_of(policy.portfolio), used), used


def scenario_of(policy: Policy, path: str | Path) -> Scenario:
    """The scenario file's model for the policy's funds; Refused with the file's diagnostics
    (file:line:col) when it has errors."""
    from engine.backtest.scenario import securities_of
    from engine.backtest.scenario_file import load_scenario

    assert policy.portfolio is not None
    try:
        scenario, diagnostics, text = load_scenario(str(path), securities_of(policy.portfolio))
    except OSError as e:
        raise Refused(f"cannot read the scenario file {path}: {e.strerror or e}", code="C112") from None
    if scenario is None or any(d.is_error for d in diagnostics):
        raise Refused(diagnostics=diagnostics, sources={str(path): text})
    return scenario


def unique_labels(policies: Sequence[tuple[str, Policy]]) -> None:
    """Refused (C118) when a compared policy's label clashes (`label_clash`)."""
    clash = label_clash([label for label, _ in policies])
    if clash is not None:
        raise Refused(f"a compared policy is named `{clash}` twice, as a strategy or as another's twin without "
                      "harvesting: each compared policy's label must be its own", code="C118",
                      values={"label": clash})


def label_clash(labels: Sequence[str]) -> str | None:
    """The first label that is another's, a strategy's name, or another's twin's (strategies.twin_label:
    `mine (no harvest)` beside `mine`, which would be measured against it); None: all their own."""
    from engine.backtest.strategies import Strategy, twin_label

    taken = {s.value for s in Strategy} | {twin_label(x, True) for x in labels}
    return next((x for x in labels if labels.count(x) > 1 or x in taken), None)


@with_precision
def backtest(book: Book | None, policy: Policy, *, first: date | None = None, last: date | None = None,
             strategies: Sequence[str] | None = None, money: Mapping[str, int] | None = None,
             scenario: str | Path | None = None, seed: int | None = None, tax_from: str = "outside",
             policies: Sequence[tuple[str, Policy]] = (), progress: Progress | None = None) -> Backtest:
    """Each of `strategies` (engine/backtest/strategies.py `Strategy` values; None: all five)
    simulated from `first` to `last` (None: from the first day every fund new money buys has a
    price, to the last price; a `last` after the month of the last price is that month's end) with `money` a month per investor (None: the policy's `sip`), on
    the book's prices or, with `scenario` (a scenario file), on the prices it generates with
    `seed` (None: the file's); `tax_from` ("outside" or "portfolio": engine/backtest/paying.py)
    where each FY's tax is paid from; `policies`: (label, policy) of the user's own policies, each
    run after the strategies as `policy` is (engine/backtest/compare.py: the same investors, funds
    the prices cover; labels unique and none a strategy's name). Refused when the policy, the
    prices or the file cannot run."""
    from engine.backtest.measures import measure, with_harvest_values
    from engine.backtest.refusal import BacktestRefused
    from engine.backtest.simulate import money_of, simulate
    from engine.backtest.strategies import Options, Strategy, TaxFrom

    if policy.portfolio is None or not policy.portfolio.assets or policy.tax is None:
        raise Refused("a backtest needs a policy with a portfolio of assets and a tax law", code="C107")
    chosen = tuple(Strategy(s) for s in dict.fromkeys(strategies)) if strategies else tuple(Strategy)
    unique_labels(policies)
    if scenario is not None:
        prices, used = scenario_prices(policy, scenario, seed)
        source: str = str(scenario)
    else:
        ids = [s.id for p in (policy, *(own for _, own in policies)) if p.portfolio for s in p.portfolio.securities]
        prices, used, source = tuple(book_prices(book, list(dict.fromkeys(ids)))) \
            if book is not None else (), None, "book"
    if not prices:
        raise Refused("no prices for the policy's funds: import their price history (`lotwise import`), "
                      "or generate prices with a scenario file", code="C113")
    end = max(p.date for p in prices)
    end = date(end.year, end.month, monthrange(end.year, end.month)[1])  # a `last` at most the last price's month
    options = Options(first=first, last=min(last, end) if last is not None else None, money=money,
                      strategies=chosen, tax_from=TaxFrom(tax_from), policies=tuple(policies), twins=True)
    try:
        a_month = money_of(policy, options)
        if not any(a_month.values()):
            raise Refused("a backtest needs money each month: each investor's `sip` in the policy, or `money`",
                          code="C115")
        runs = simulate(policy, prices, options, progress)
        own = dict(policies)
        measured = [(run, measure(run, own.get(run.twin_of or run.label, policy), prices)) for run in runs]
        results = tuple(StrategyResult(run, m) for run, m in with_harvest_values(measured))
    except BacktestRefused as e:
        code = "C114" if e.code == "C103" else e.code  # the CLI's C103 is `--fy`'s: no month day to run on
        raise Refused(e.message, e.diagnostics, code=code) from None
    return Backtest(runs[0].first, runs[0].last, source, used, a_month, results, TaxFrom(tax_from))


@with_precision
def monte_carlo(policy: Policy, scenario: str | Path, paths: int, *, jobs: int = 1, first: date | None = None,
                last: date | None = None, strategies: Sequence[str] | None = None,
                money: Mapping[str, int] | None = None, seed: int | None = None, tax_from: str = "outside",
                policies: Sequence[tuple[str, Policy]] = (), progress: Progress | None = None) -> MonteCarlo:
    """`paths` paths of the scenario file (path k seeded from `seed`, None: the file's, and k:
    engine/backtest/scenario.py `path`), each simulated with every one of `strategies`, then each
    of `policies`, with the tax paid from `tax_from`, as `backtest` simulates them, on `jobs`
    processes (1: this one); the percentiles of each measure over the paths
    (engine/backtest/monte_carlo.py). The same seed gives the same record whatever `jobs` is.
    Refused as `backtest` refuses (ValueError: `paths` below 1). `progress` (engine/progress.py):
    the paths done of `paths`, told in this process as they come back from the pool."""
    from engine.backtest.monte_carlo import MonteCarlo, gather
    from engine.backtest.paths_pool import PathJob, run_paths
    from engine.backtest.refusal import BacktestRefused
    from engine.backtest.scenario import price_day, securities_of
    from engine.backtest.simulate import money_of
    from engine.backtest.strategies import Options, Strategy, TaxFrom

    if policy.portfolio is None or not policy.portfolio.assets or policy.tax is None:
        raise Refused("a backtest needs a policy with a portfolio of assets and a tax law", code="C107")
    if paths < 1:
        raise ValueError(f"a Monte Carlo run needs at least one path, not {paths}")
    chosen = tuple(Strategy(s) for s in dict.fromkeys(strategies)) if strategies else tuple(Strategy)
    unique_labels(policies)
    model = scenario_of(policy, scenario)
    used = model.seed if seed is None else seed
    end = price_day(model, model.months - 1)
    end = date(end.year, end.month, monthrange(end.year, end.month)[1])  # as `backtest` bounds `last`
    options = Options(first=first, last=min(last, end) if last is not None else None, money=money,
                      strategies=chosen, tax_from=TaxFrom(tax_from), policies=tuple(policies))
    try:
        a_month = money_of(policy, options)
        if not any(a_month.values()):
            raise Refused("a backtest needs money each month: each investor's `sip` in the policy, or `money`",
                          code="C115")
        job = PathJob(policy, model, used, securities_of(policy.portfolio), options)
        (first_day, last_day, days, invested), found = run_paths(job, paths, jobs, progress)
    except BacktestRefused as e:
        code = "C114" if e.code == "C103" else e.code
        raise Refused(e.message, e.diagnostics, code=code) from None
    return MonteCarlo(first_day, last_day, str(scenario), used, paths, a_month,
                      gather(chosen, found, days), TaxFrom(tax_from), invested)
