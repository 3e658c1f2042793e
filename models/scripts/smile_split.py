"""Split the development label files into training and validation rows.

The split is a pure function of each row's relative image path (or duplicate
group), so it is the same on every machine and for every tool that applies it:

    key = dup_group if the row has one, else path   (e.g. "smilesmiled/positives/100.jpg")
    validation  <=>  int(sha256(key)[:8], 16) % 100 < 20

Rows that share a `dup_group` (identical images) share a key and so a side.
Rows with `exclude=1` or an empty label are dropped from both sides.

Usage (writes WORK/<name>_train.csv and WORK/<name>_val.csv per labels file):
    python models/scripts/smile_split.py --out models/work LABELS.csv [LABELS.csv ...]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

VALIDATION_PERCENT = 20
LABELS = ("smile", "neutral")


def split_key(row: dict[str, str]) -> str:
    """Return the string whose hash decides the row's side of the split."""
    group = (row.get("dup_group") or "").strip()
    return group if group else row["path"]


def is_validation(row: dict[str, str]) -> bool:
    """Return True when the row belongs to the held-out validation split."""
    digest = hashlib.sha256(split_key(row).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < VALIDATION_PERCENT


def is_scored(row: dict[str, str]) -> bool:
    """Return True for rows with a smile/neutral label that are not marked `exclude=1`."""
    excluded = (row.get("exclude") or "").strip() == "1"
    return not excluded and row["label"].strip() in LABELS


def read_label_rows(labels_path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read a labels CSV and return its header and its scored rows."""
    with labels_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "path" not in reader.fieldnames or "label" not in reader.fieldnames:
            raise SystemExit(f"{labels_path}: expected a CSV header with at least 'path' and 'label'")
        rows = [row for row in reader if is_scored(row)]
        return list(reader.fieldnames), rows


def split_name(labels_path: Path) -> str:
    """Return the file stem without the `_dev` suffix, e.g. `smilesmiled` for `smilesmiled_dev.csv`."""
    stem = labels_path.stem
    return stem[: -len("_dev")] if stem.endswith("_dev") else stem


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the *_train.csv and *_val.csv files")
    parser.add_argument("labels", type=Path, nargs="+", help="development label CSVs (path,label,...)")
    arguments = parser.parse_args()

    arguments.out.mkdir(parents=True, exist_ok=True)
    for labels_path in arguments.labels:
        header, rows = read_label_rows(labels_path)
        validation = [row for row in rows if is_validation(row)]
        training = [row for row in rows if not is_validation(row)]
        name = split_name(labels_path)
        write_rows(arguments.out / f"{name}_train.csv", header, training)
        write_rows(arguments.out / f"{name}_val.csv", header, validation)
        for side, side_rows in (("train", training), ("val", validation)):
            smiles = sum(row["label"] == "smile" for row in side_rows)
            print(f"{name}_{side}.csv: {len(side_rows)} rows ({smiles} smile, {len(side_rows) - smiles} neutral)")


if __name__ == "__main__":
    main()
