"""What the commands that write the book say: `lotwise init`, `lotwise import` (rows added and
skipped per file, or why nothing was imported) and `lotwise doctor` (the book's health), as
text or JSON data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import BookMade, Doctored, FromStatement, ImportOutcome


def made_text(made: BookMade, policy_as_given: str | None) -> str:
    """`init`: the book made or kept, and the policy as the user named it."""
    return (f"{'using the existing' if made.existed else 'created'} book {made.path}"
            + (f" with policy {policy_as_given}" if policy_as_given else "") + "\n")


def from_cas_text(done: FromStatement, policy_as_given: str, cas: str) -> str:
    """`init --from-cas`: the policy written, the book, the import, and what to do next."""
    ids = ", ".join(done.investors)
    lines = [f"wrote {policy_as_given}: {len(done.investors)} investor(s) ({ids}), "
             f"{len(done.assets)} asset(s) with target TODO ({', '.join(done.assets)})\n",
             made_text(done.made, policy_as_given)]
    if done.imported is not None and done.imported.ok:
        lines.append(imported_text(done.imported))
        lines.append(f"next: fill the targets marked TODO in {policy_as_given} (they add up to 100%) and check "
                     f"each fund's class, then `lotwise check {policy_as_given}`\n")
    elif done.imported is not None:  # the statement's own rows were refused (their errors above)
        lines.append(f"{cas} was not imported: correct it (or make it again with casparser) as said above, then "
                     f"`lotwise import {cas}` into this book; {policy_as_given} is written\n")
    else:  # the skeleton has errors besides its TODOs (e.g. a fund's class not told)
        lines.append(f"{cas} was not imported: correct {policy_as_given} as said above (`lotwise check "
                     f"{policy_as_given}`), then `lotwise import {cas}`\n")
    return "".join(lines)


def imported_json(outcome: ImportOutcome) -> dict[str, Any]:
    """`import --json` of an import that wrote its files, or was stopped by their errors."""
    if outcome.ok:
        return {"ok": True, "files": [r.to_json() for r in outcome.reports]}
    return ({"ok": False, "diagnostics": [d.to_json() for d in outcome.diagnostics]}
            | ({"diagnostics_not_shown": outcome.not_shown} if outcome.not_shown else {}))


def imported_text(outcome: ImportOutcome) -> str:
    """`import`'s lines on stdout: each file's rows added, skipped, updated."""
    lines = []
    for r in outcome.reports:
        note = " (already imported)" if r.already_imported else ""
        extra = f", {r.updated} updated" if r.updated else ""
        extra += f"; {r.prices} prices added from its NAVs" if r.prices is not None else ""
        lines.append(f"{r.name}: {r.kind}, {r.added} added, {r.skipped} skipped{extra}{note}\n")
    return "".join(lines)


def rejected_text(outcome: ImportOutcome) -> str:
    """Why nothing was imported (stderr): the errors (the first KEPT of a file shown), then
    their count; or the ledger's error."""
    from engine.book.importers.csvrows import KEPT
    from engine.diagnostics import render_all

    if outcome.ledger is not None:
        return render_all([outcome.ledger], dict(outcome.sources)) + "\nnothing imported\n"
    return (render_all(list(outcome.diagnostics), dict(outcome.sources)) + "\n"
            + f"nothing imported: {outcome.errors} error(s)"
            + (f" (the first {KEPT} of a file shown)" if outcome.not_shown else "") + "\n")


def doctor_json(found: Doctored) -> dict[str, Any]:
    return {**found.report.to_json(), "not_repaired": list(found.not_repaired)}


def doctor_text(found: Doctored) -> str:
    """The report: each check, what was repaired and what was not, and the verdict."""
    report = found.report
    lines = [f"book {report.book}"]
    for check in report.checks:
        if check.ok:
            lines.append(f"  {check.name}: ok" + "".join(f" ({n})" for n in check.notes))
            continue
        lines.append(f"  {check.name}: {len(check.problems) + check.more} problem(s)")
        lines += [f"    {p}" for p in check.problems]
        if check.more:
            lines.append(f"    ... and {check.more} more")
    lines += [f"repaired: {r}" for r in report.repaired] + [f"not repaired: {r}" for r in found.not_repaired]
    lines.append("the book is healthy" if report.healthy else
                 "the book is damaged" + ("" if report.repaired else
                                          "; `lotwise doctor --repair` rebuilds what is derived from the transactions"))
    return "\n".join(lines) + "\n"
