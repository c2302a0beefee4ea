"""What the monthly workflow (.github/workflows/search.yml) does on this run: search and open the
month's pull request, or say why it does not.

One pull request carries a month end to end, from the branch monthly-update/YYYY-MM: the search's
new candidates (the workflow), then the maintainer's pushes to that branch (decisions, added and
coded rows, the release entry). Merging it is the release. So, given this month and the
repository's pull requests from monthly-update/ branches (`gh pr list --state all --json
number,headRefName,state,url`):

- none for this month, none open for an earlier one: search, on monthly-update/YYYY-MM;
- this month's is open (a second run the same day, or later that month): nothing; its
  pull request already carries the month (a maintainer searches again on its branch, which adds
  only what is new since its last run);
- this month's was merged: nothing; the month is released, the next search is next month's;
- this month's was closed without merging: search again, on monthly-update/YYYY-MM-2 (-3, ...),
  since the closed branch may still exist;
- an earlier month's is still open: nothing, and a comment on it: its candidates and its search
  date are not on main yet, so a search now would find its records again and the two pull
  requests would collide in the same files. Merge it (its release) or close it, then run the
  workflow by hand.

    python .github/scripts/monthly_update.py --month 2026-12 --pulls pulls.json

prints the plan as GitHub step outputs (action, branch, comment_on, message), one per line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass

PREFIX = "monthly-update/"
HEAD = re.compile(rf"^{re.escape(PREFIX)}(\d{{4}}-\d{{2}})(?:-(\d+))?$")


@dataclass(frozen=True)
class Plan:
    action: str  # "search" or "skip"
    branch: str = ""  # where the search's commit goes
    message: str = ""  # one line, said in the run's summary
    comment_on: str = ""  # a pull request's number to remind, if any

    def outputs(self) -> str:
        return "".join(f"{name}={value}\n" for name, value in vars(self).items())


def month_of(pull: dict) -> tuple[str, int] | None:
    """(YYYY-MM, attempt) of a monthly-update branch, None for any other pull request."""
    found = HEAD.match(str(pull.get("headRefName") or ""))
    return (found.group(1), int(found.group(2) or 1)) if found else None


def plan(month: str, pulls: list[dict]) -> Plan:
    """What this run does (see the module's docstring)."""
    monthly = [(month_of(p), p) for p in pulls if month_of(p)]
    state = {p["number"]: str(p.get("state", "")).upper() for _, p in monthly}
    mine = sorted(((m[1], p) for m, p in monthly if m[0] == month), key=lambda item: item[0])
    for _attempt, pull in mine:
        if state[pull["number"]] == "OPEN":
            return Plan(
                "skip",
                message=f"This month's update is already open: #{pull['number']} ({pull['headRefName']}). Nothing "
                "was searched again; to search again, run python -m livingreview search on its branch.",
            )
        if state[pull["number"]] == "MERGED":
            return Plan(
                "skip",
                message=f"This month's update was merged (#{pull['number']}): {month} is released. The next "
                "search is next month's.",
            )
    earlier = [(m[0], p) for m, p in monthly if m[0] < month and state[p["number"]] == "OPEN"]
    if earlier:
        old_month, pull = min(earlier, key=lambda item: item[0])
        return Plan(
            "skip",
            comment_on=str(pull["number"]),
            message=f"The update of {old_month} (#{pull['number']}) is still open, so {month}'s search did not run: "
            "its candidates and search date are not on main yet, and a search now would find its records again. "
            "Merge it (that is its release) or close it, then run the Monthly search workflow by hand.",
        )
    attempt = max((a for a, _ in mine), default=0) + 1
    branch = f"{PREFIX}{month}" + (f"-{attempt}" if attempt > 1 else "")
    return Plan("search", branch=branch, message=f"Searching for {month}; the pull request comes from {branch}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", required=True, help="this month, YYYY-MM")
    parser.add_argument("--pulls", required=True, help="gh pr list --state all --json number,headRefName,state,url")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.month):
        parser.error(f"--month {args.month!r} is not YYYY-MM")
    with open(args.pulls, encoding="utf-8") as handle:
        pulls = json.load(handle)
    sys.stdout.write(plan(args.month, pulls).outputs())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
