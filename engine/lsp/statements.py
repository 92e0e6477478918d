"""What each statement means, in a sentence or two: the hover's text (docs/rules-language.md,
section 4, says it at length). Keyed by the AST node's class (engine/policy/ast.py); a block by
its kind."""

from __future__ import annotations

BLOCKS: dict[str, str] = {
    "portfolio": "`portfolio`: the investors, the assets with their target shares, and the funds, ETFs "
                 "and stocks that hold each asset (rules-language.md 4.1).",
    "buy": "`buy monthly`: how each month's new money is spread over the assets (4.2).",
    "sell": "`sell`: controlled selling, a pace and a ceiling that bring drift down over months (4.3).",
    "rebalance": "`rebalance`: textbook rebalancing, how and when to bring assets back to target (4.4).",
    "harvest": "`harvest at year end`: what the year-end optimizer realises: gains up to the exemption, "
               "losses, and what the money buys (4.5).",
    "tax": "`tax`: the tax law as dated rules; `use \"india\"` brings the shipped one (4.6).",
    "class": "`class`: a tax class: when a holding is long-term, its rates by date of sale, its "
             "exemption (4.6 `class`).",
    "set-off": "`set-off`: which losses may be set off against which gains, and for how long they "
               "carry forward (4.6 `set-off`).",
    "charges": "`charges`: STT and stamp duty, by side and kind of security (4.6 `charges`).",
    "index": "`cost inflation index`: the CII by financial year, for indexed long-term gains (4.6).",
    "report": "`report`: the adviser, the SEBI registration and the disclaimer `lotwise report` "
              "prints (4.7).",
}

STATEMENTS: dict[str, str] = {
    "Use": "`use`: read a shipped rule set by name (`\"india\"`) or a file by a path relative to this "
           "one; its blocks count as if written here (3.2).",
    "Investor": "`investor ID \"Name\"`: a person whose lots are taxed on their own; `pan`, `slab` "
                "(their income-tax slab rate), `alias` and `sip` (money each month) may follow.",
    "Asset": "`asset \"Name\" N%`: an asset class and its target share of the portfolio; `band` is how "
             "far it may drift before rebalancing, `class` its tax class.",
    "Security": "`fund`/`etf`/`stock` ID \"Name\" holds \"Asset\": a security, the asset it holds, and "
                "optionally its tax class, exit load, minimums, expense ratio or `legacy` status.",
    "BuyMethod": "Buy only the underweight assets, in proportion to their drift or so that their "
                 "drifts end even.",
    "Measure": "How the portfolio's drift is measured from the assets' drifts.",
    "Start": "Controlled selling starts when drift rises above this level.",
    "Stop": "Controlled selling stops once drift is at or below this level.",
    "Pace": "At most this share of the portfolio is sold each month.",
    "Ceiling": "The most that may stay overweight, stepping down over the duration.",
    "LongTermLotsOnly": "Sell only long-term lots (no short-term gains from selling).",
    "NeverPayExitLoad": "Never sell a lot still within its fund's exit load period.",
    "Method": "How a rebalance trades: every asset back to target, only those outside their band, or "
              "new money only.",
    "Due": "When a rebalance is due: by the calendar, when a band is breached or drift exceeds a level.",
    "CostWarning": "Warn when a trade's costs (charges and tax) exceed this.",
    "RealiseGains": "At year end, realise long-term gains up to the year's exemption (less the margin).",
    "LossThreshold": "Harvest losses only when larger than this amount.",
    "UseLossesWithinYear": "Set harvested losses off against gains of the same year.",
    "ShortTermGains": "Whether the harvest may realise short-term gains, and up to how much.",
    "Prefer": "The order in which the harvest picks what to sell.",
    "FutureTaxValue": "How tax deferred to later years is valued now: a yearly rate over a horizon.",
    "ExpectedGrowth": "The growth expected of the holdings a year, for tax deferred.",
    "ExpenseSavings": "The expense saved by leaving a legacy fund, valued over this many years.",
    "Proceeds": "What the harvest's money buys: the same funds again, or by the buying rule.",
    "HarvestWhen": "`plan month` says a harvest is due when this fires (a drawdown or unrealised losses).",
    "YearStart": "The day the financial year starts (s.3: April 1).",
    "FifoScope": "Lots leave first-in first-out per demat account or per investor (s.45(2A)).",
    "Anniversary": "Whether a sale on the anniversary of purchase is short- or long-term.",
    "Cess": "The cess on income-tax, by financial year.",
    "Rebuy": "A same-day rebuy of an exchange-traded security is netted (speculative, s.43(5)).",
    "LongTermAfter": "A holding of this class is long-term after this period.",
    "Grandfather": "Cost of lots bought before this date is grandfathered at the fair market value then "
                   "(s.55(2)(ac)).",
    "Exemption": "The yearly exemption of long-term gains of this class, per investor.",
    "Dated": "A dated rule: the rates (and long-term period) for sales (or purchases) in a range of dates.",
    "SetOffRule": "Which gains a loss of this term may be set off against.",
    "CarryForward": "Unabsorbed losses carry forward this many years.",
    "Charge": "A transaction charge (STT or stamp duty) on purchases, sales or both.",
    "IndexEntry": "The cost inflation index of a financial year.",
    "Adviser": "The adviser named on reports, with the SEBI registration.",
    "Disclaimer": "The disclaimer printed on reports.",
}
