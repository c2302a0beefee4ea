"""Screening benchmark: how early the ranking finds the included records, where the stopping
estimate stops and whether it keeps its promise, and how long ranking 20,000 candidates takes.

    .venv/bin/python benchmarks/screening.py [--seeds 5] [--data ../shared/datasets/screening] [--readme]

For each labelled dataset (ASReview's layout, record_id,title,abstract,label_included), and each
seed, screening is replayed (livingreview.update.simulation: prior knowledge of one random
included and one random excluded record, the model retrained as decisions arrive) and reports:
recall after screening 10/20/30/50 % of the records, work saved over sampling at 95 % recall
(WSS@95), where Callaghan & Müller-Hansen's stopping estimate first held (95 % confidence of
95 % recall), the recall reached there and the work saved (1 - screened / N). The estimate keeps
its promise when recall at the stop is at least 95 % in at least 95 % of the runs; the work it
saves is compared with the 17 % average Callaghan & Müller-Hansen (2020) report for their rule.

Ranking time: 20,000 texts made from the datasets' records (each a record with a random tenth of
its words left out, so no two are the same): the whole ranking as `screen` starts (the features,
then training on 400 decisions, scoring and ordering every record), the first time and again with
the features an earlier session left in the cache, and re-ranking after a decision; wall and CPU
time. Results go to benchmarks/screening-last-run.json; --readme writes README.md's
screening table from it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from livingreview.update.ranking import RankingModel  # noqa: E402
from livingreview.update.simulation import read_labelled, simulate  # noqa: E402

LAST_RUN = ROOT / "benchmarks" / "screening-last-run.json"
START, END = (
    "<!-- screening benchmark: written by benchmarks/screening.py --readme; do not edit by hand -->",
    ("<!-- end of screening benchmark -->"),
)
#: Callaghan & Müller-Hansen (2020): average work saved by their statistical stopping rule.
PUBLISHED_SAVING = 0.17
#: Where each dataset comes from (../shared/datasets/README.md), cited with its figures.
CITES = {
    "Nagtegaal_2019": "Nagtegaal et al. (2019), J Behav Public Adm 2(2), doi:10.30636/jbpa.22.71; CC0",
    "Kitchenham_2010": "Kitchenham et al. (2010), software-engineering tertiary study; CC BY 4.0, doi:10.5281/zenodo.1162952",
}


def run_dataset(path: Path, seeds: int) -> dict:
    data = read_labelled(path)
    model = RankingModel(data.texts)
    runs = []
    for seed in range(seeds):
        result = simulate(data, seed=seed, model=model)
        runs.append(
            {
                "seed": seed,
                "recall_at": {
                    f"{share:.0%}": result.recall_after(round(share * result.total)) for share in (0.1, 0.2, 0.3, 0.5)
                },
                "wss95": result.wss(0.95),
                "stop_at": result.stop_at,
                "recall_at_stop": result.recall_at_stop,
                "saved_at_stop": result.saved_at_stop,
                "seconds": result.seconds,
            }
        )
        print(f"  {path.name} seed {seed}: " + "; ".join(result.report()[2:]), flush=True)
    return {"file": path.name, "records": len(data.labels), "included": data.relevant, "runs": runs}


def ranking_time(paths: list[Path], size: int = 20_000) -> dict:
    base = [t for p in paths for t in read_labelled(p).texts]
    rng = random.Random(0)
    texts = []
    while len(texts) < size:
        words = rng.choice(base).split()
        texts.append(" ".join(w for w in words if rng.random() > 0.1))
    import tempfile

    def timed(action):
        wall, cpu = time.perf_counter(), time.process_time()
        value = action()
        return value, time.perf_counter() - wall, time.process_time() - cpu

    labels = {i: i % 10 == 0 for i in range(400)}

    def rerank(model):
        model.fit(labels)
        return model.rank(range(400, size))

    with tempfile.TemporaryDirectory() as cache:
        # The whole ranking as `screen` starts on 20,000 candidates: features (built, or read from
        # the cache a previous session left), training on 400 decisions, scoring and ordering.
        model, features_wall, features_cpu = timed(lambda: RankingModel(texts, cache=Path(cache)))
        _, rerank_wall, rerank_cpu = timed(lambda: rerank(model))
        model, cached_wall, cached_cpu = timed(lambda: RankingModel(texts, cache=Path(cache)))
        _, warm_wall, warm_cpu = timed(lambda: rerank(model))
    return {
        "records": size,
        "features_wall": features_wall,
        "features_cpu": features_cpu,
        "rerank_wall": rerank_wall,
        "rerank_cpu": rerank_cpu,
        "whole_wall": features_wall + rerank_wall,
        "whole_cpu": features_cpu + rerank_cpu,
        "cached_wall": cached_wall + warm_wall,
        "cached_cpu": cached_cpu + warm_cpu,
        "load_average": os.getloadavg()[0],
    }


def table(results: dict) -> str:
    rows = [
        "| dataset (records, included) | recall at 10 / 20 / 30 / 50 % screened | WSS@95 | stopping estimate held after | recall there | work saved | runs reaching 95 % recall |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    savings = []
    for d in results["datasets"]:
        runs = d["runs"]
        recall = " / ".join(
            f"{statistics.mean(r['recall_at'][k] for r in runs):.0%}" for k in ("10%", "20%", "30%", "50%")
        )
        stops = [r["stop_at"] or d["records"] for r in runs]
        kept = sum(r["recall_at_stop"] >= 0.95 for r in runs)
        savings += [r["saved_at_stop"] for r in runs]
        name = d["file"].removesuffix(".csv.gz")
        rows.append(
            f"| {name} ({d['records']:,}, {d['included']:,}) | {recall} | "
            f"{statistics.mean(r['wss95'] for r in runs):.1%} ({min(r['wss95'] for r in runs):.1%}–{max(r['wss95'] for r in runs):.1%}) | "
            f"{statistics.mean(stops):,.0f} records ({statistics.mean(stops) / d['records']:.0%}) | "
            f"{min(r['recall_at_stop'] for r in runs):.1%} (lowest) | {statistics.mean(r['saved_at_stop'] for r in runs):.1%} | {kept} of {len(runs)} |"
        )
    t = results["ranking"]
    kept_all = sum(r["recall_at_stop"] >= 0.95 for d in results["datasets"] for r in d["runs"])
    total_runs = sum(len(d["runs"]) for d in results["datasets"])
    lines = [
        f"Measured by `benchmarks/screening.py` on {results['machine']} ({results['date']}), "
        f"{results['seeds']} seeds per dataset (means; WSS@95's range in brackets); the model: TF-IDF of words and word pairs, "
        "a linear SVM retrained as decisions arrive (after each decision while they number under 100, then after "
        "every tenth of those made so far, at most 1 % of the file), prior knowledge one included and one excluded "
        "record per seed.",
        "",
        *rows,
        "",
        f"The stopping estimate (95 % confidence of 95 % recall; Callaghan & Müller-Hansen 2020) reached 95 % recall in "
        f"{kept_all} of {total_runs} runs (it promises at least 95 %) and saved {statistics.mean(savings):.1%} of the "
        f"screening on average, against the {PUBLISHED_SAVING:.0%} average its authors report for it.",
        "",
        f"Ranking {t['records']:,} candidates as `screen` starts (features of every record, training on 400 decisions, "
        f"scoring and ordering every record; target ≤ 2 s): {t['whole_cpu']:.2f} s CPU, {t['whole_wall']:.2f} s wall "
        f"the first time; {t['cached_cpu']:.2f} s CPU, {t['cached_wall']:.2f} s wall when an earlier session on the same "
        f"records left their features in the cache. Of the first: the features {t['features_cpu']:.2f} s CPU, re-ranking "
        f"after a decision {t['rerank_cpu']:.2f} s CPU ({t['rerank_wall']:.2f} s wall). Load average "
        f"{t['load_average']:.1f} on 2 cores when measured.",
        "",
        "Data: "
        + "; ".join(f"{name}: {cite}" for name, cite in CITES.items())
        + " (from ASReview's systematic-review-datasets).",
    ]
    return "\n".join(lines)


def write_readme(results: dict) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = f"{START}\n{table(results)}\n{END}"
    if START in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        raise SystemExit("README.md has no screening benchmark block to write")
    readme.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "datasets" / "screening"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--readme", action="store_true", help="write README.md's screening table from the results")
    parser.add_argument("--only-readme", action="store_true", help="write README.md from the last run, measure nothing")
    args = parser.parse_args()
    if args.only_readme:
        write_readme(json.loads(LAST_RUN.read_text(encoding="utf-8")))
        return 0
    paths = sorted(Path(args.data).glob("*.csv.gz"))
    if not paths:
        raise SystemExit(f"no labelled datasets in {args.data}")
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "seeds": args.seeds,
        "datasets": [run_dataset(p, args.seeds) for p in paths],
        "ranking": ranking_time(paths),
    }
    LAST_RUN.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    if args.readme:
        write_readme(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
