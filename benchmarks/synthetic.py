"""Synthetic study tables of any size, valid under `python -m livingreview validate`.

make_studies(n, seed) returns n rows (dicts keyed by the table's columns, every value a string
as the CSV holds it); write_studies(path, n, seed) writes them as studies.csv. The same seed
gives the same table. The rows look like the shipped ones where it matters for performance:

- Table 1's six text columns have the shipped lengths (tens to a few hundred characters, built
  from a clinical word list, with commas, quotes and the odd non-ASCII letter);
- every vocabulary term is used (the first rows walk through all of them), and about a third
  of the rows hold several terms in a coded column (';'-separated);
- ids are unique (author-year, then -b, -c, ... then -2, -3 ...), years run from 2015 to this
  year, `added` dates from 2025-01-01 to today; about half the rows have a verified title,
  venue, DOI and URL, a few have notes, and the first rows keep a source-review `ref`.

Run it as a script to write a table: python benchmarks/synthetic.py OUT.csv N [SEED]
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from livingreview.data.cited import load_cited  # noqa: E402
from livingreview.data.schema import expected_columns  # noqa: E402
from livingreview.data.vocabulary import LIST_COLUMNS, SEPARATOR, load_vocabulary  # noqa: E402

FIRST_YEAR = 2015
FIRST_ADDED = dt.date(2025, 1, 1)

AUTHORS = [
    "Bhatt",
    "Ultsch",
    "Lötsch",
    "Chen",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Kim",
    "Park",
    "Nguyen",
    "Garcia",
    "Müller",
    "Schmidt",
    "Rossi",
    "Silva",
    "Santos",
    "Kowalski",
    "Novak",
    "Ivanova",
    "Okafor",
    "Adeyemi",
    "Haddad",
    "Cohen",
    "Levi",
    "Tanaka",
    "Sato",
    "Suzuki",
    "Yamamoto",
    "Kumar",
    "Singh",
    "Sharma",
    "Patel",
    "Gupta",
    "Ahmed",
    "Hassan",
    "Ali",
    "Khan",
    "O'Brien",
    "Murphy",
    "Walsh",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Anderson",
    "Thomas",
    "Martin",
    "Dubois",
    "Lefèvre",
    "Bernard",
    "Andersson",
    "Johansson",
    "Nielsen",
    "Hansen",
    "Jensen",
    "Virtanen",
    "Korhonen",
    "Papadopoulos",
    "Costa",
    "Ferreira",
    "Almeida",
    "Rodríguez",
    "Fernández",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Díaz",
    "Moreno",
    "Álvarez",
    "Romero",
    "Navarro",
]

WORDS = [
    "synthetic",
    "medical",
    "images",
    "patient",
    "records",
    "chest",
    "radiographs",
    "computed",
    "tomography",
    "magnetic",
    "resonance",
    "imaging",
    "dermoscopic",
    "lesions",
    "fundus",
    "photographs",
    "endoscopy",
    "frames",
    "colorectal",
    "polyps",
    "discharge",
    "summaries",
    "clinical",
    "notes",
    "electronic",
    "health",
    "records",
    "emergency",
    "department",
    "triage",
    "protein",
    "sequences",
    "small",
    "molecules",
    "binding",
    "affinity",
    "drug",
    "candidates",
    "trial",
    "cohorts",
    "generative",
    "adversarial",
    "network",
    "diffusion",
    "model",
    "variational",
    "autoencoder",
    "large",
    "language",
    "model",
    "vision",
    "language",
    "transformer",
    "fine-tuned",
    "pretrained",
    "latent",
    "space",
    "conditional",
    "generation",
    "class",
    "imbalance",
    "rare",
    "pathology",
    "data",
    "scarcity",
    "privacy",
    "preserving",
    "augmentation",
    "segmentation",
    "classification",
    "report",
    "generation",
    "summarisation",
    "question",
    "answering",
    "evaluation",
    "radiologists",
    "clinicians",
    "reader",
    "study",
    "external",
    "validation",
    "held-out",
    "test",
    "set",
    "accuracy",
    "sensitivity",
    "specificity",
    "area",
    "under",
    "the",
    "curve",
    "Fréchet",
    "inception",
    "distance",
    "expert",
    "rating",
    "hallucinated",
    "findings",
    "bias",
    "across",
    "demographic",
    "groups",
    "overfitting",
    "distribution",
    "shift",
    "interpretability",
    "regulatory",
    "approval",
    "computational",
    "cost",
    "multicentre",
    "retrospective",
    "prospective",
    "cohort",
    "paediatric",
    "elderly",
    "residents",
    "malnutrition",
    "risk",
    "stroke",
    "aneurysm",
    "fracture",
    "arthroplasty",
    "melanoma",
    "retinopathy",
    "glaucoma",
    "syndrome",
    "diagnosis",
    "digital",
    "twins",
    "trajectories",
]

VENUES = (
    "Medical Image Analysis",
    "npj Digital Medicine",
    "Radiology: Artificial Intelligence",
    "Journal of Biomedical Informatics",
    "Nature Medicine",
    "The Lancet Digital Health",
    "IEEE Transactions on Medical Imaging",
    "Scientific Reports",
    "JAMA Network Open",
    "Frontiers in Digital Health",
)

# (column, shipped mean length, spread) for Table 1's six text columns.
TEXT_SHAPES = {
    "dataset": (75, 60),
    "method": (107, 60),
    "model": (72, 40),
    "application": (173, 80),
    "purpose": (185, 80),
    "limitations": (171, 110),
}


def _sentence(rng: random.Random, length: int) -> str:
    """About `length` characters of clinical-sounding words, with commas and an odd quote."""
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        if words and rng.random() < 0.12:
            words[-1] += ","
        if rng.random() < 0.03:
            word = f'"{word}"'  # quotes inside a field must survive the CSV round trip
        words.append(word)
        size += len(word) + 1
    text = " ".join(words).rstrip(",")
    return text[0].upper() + text[1:]


def _terms(rng: random.Random, keys: list[str], *, at_least: int) -> list[str]:
    """A coded cell: one term mostly, several in about a third of the rows."""
    roll = rng.random()
    count = 1 if roll < 0.66 else 2 if roll < 0.9 else rng.randint(3, min(5, len(keys)))
    count = max(count, at_least)
    return rng.sample(keys, count)


def make_studies(n: int, seed: int = 0, *, today: dt.date | None = None) -> list[dict]:
    """`n` valid study rows (column -> CSV text), deterministic for a given seed."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    today = today or dt.date.today()
    vocabulary = load_vocabulary()
    keys = {column: list(vocabulary[column].terms) for column in LIST_COLUMNS}
    columns = expected_columns()
    used_ids: dict[str, int] = {}
    # The first rows keep a source-review reference number, never one data/cited.csv gives a
    # study cited outside Table 1 (the book's check refuses a number that is both).
    taken = {str(ref) for ref in load_cited(studies=None)["ref"].dropna()}
    refs = [str(ref) for ref in range(1, 100) if str(ref) not in taken][:16]
    added_span = max((today - FIRST_ADDED).days, 0)
    rows = []
    for i in range(n):
        author = rng.choice(AUTHORS)
        year = rng.randint(FIRST_YEAR, today.year)
        row = {column: "" for column in columns}
        row["first_author"] = author
        row["year"] = str(year)
        row["id"] = _unique_id(author, year, used_ids)
        row["ref"] = refs[i] if i < len(refs) else ""
        for column, (mean, spread) in TEXT_SHAPES.items():
            length = max(12, int(rng.gauss(mean, spread / 2)))
            row[column] = _sentence(rng, min(length, 3 * mean))
        verified = rng.random() < 0.5
        if verified:
            row["title"] = _sentence(rng, rng.randint(40, 140)).rstrip(".")
            row["venue"] = rng.choice(VENUES)
            suffix = "".join(rng.choices(string.ascii_lowercase + string.digits, k=10))
            row["doi"] = f"10.{rng.randint(1000, 99999)}/{suffix}.{year}"
            row["url"] = (
                f"https://doi.org/{row['doi']}" if rng.random() < 0.5 else f"https://example.org/articles/{suffix}"
            )
        if rng.random() < 0.15:
            row["notes"] = _sentence(rng, rng.randint(40, 210))
        for column in LIST_COLUMNS:
            facet = vocabulary[column]
            if not facet.required and rng.random() < 0.07:
                terms: list[str] = []
            else:
                terms = _terms(rng, keys[column], at_least=1)
            # The first rows walk through the whole vocabulary, so every term is used at any n.
            walk = keys[column][i] if i < len(keys[column]) else None
            if walk and walk not in terms:
                terms = [walk, *terms[: max(0, len(terms) - 1)]] if terms else [walk]
            row[column] = SEPARATOR.join(terms)
        row["added"] = (FIRST_ADDED + dt.timedelta(days=rng.randint(0, added_span))).isoformat()
        rows.append(row)
    return rows


def _unique_id(author: str, year: int, used: dict[str, int]) -> str:
    base = "".join(c for c in _ascii(author).lower() if c.isalnum()) or "study"
    base = f"{base}-{year}"
    count = used.get(base, 0)
    used[base] = count + 1
    if count == 0:
        return base
    if count < 26:
        return f"{base}-{string.ascii_lowercase[count]}"
    return f"{base}-{count + 1}"


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def write_studies(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write `n` synthetic rows to `path` as studies.csv (UTF-8, the shipped column order)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = make_studies(n, seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=expected_columns(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python benchmarks/synthetic.py OUT.csv N [SEED]")
    out = write_studies(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else 0)
    print(out)
