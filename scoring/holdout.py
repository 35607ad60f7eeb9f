"""How much data is enough: the train/test split of a CSV's labelled rows, the refusal of a file too
small to learn from, and the warning for a test set too small to trust."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from scoring.table import TableError

TEST_FRACTION = 0.25
SEED = 0
MIN_ROWS = 30  # labelled leads below which nothing can be learnt or measured
MIN_PER_CLASS = 5  # of each outcome: the split and the model's folds need a few of each
RELIABLE_TEST_ROWS = 200  # below these, AUC and lift vary too much by chance to be relied on
RELIABLE_TEST_CLASS = 20  # conversions (and non-conversions) in the test rows


def check_size(y: np.ndarray, target: str) -> None:
    """Refuse a file too small to learn from, in a sentence that says what is needed."""
    converted = int(y.sum())
    others = len(y) - converted
    if len(y) >= MIN_ROWS and min(converted, others) >= MIN_PER_CLASS:
        return
    raise TableError(
        f"only {len(y):,} lead{'' if len(y) == 1 else 's'} with a value in {target!r} "
        f"({converted:,} converted, {others:,} did not): "
        f"leadq needs at least {MIN_ROWS} leads, with at least {MIN_PER_CLASS} that converted and "
        f"{MIN_PER_CLASS} that did not; export more leads (a few hundred give figures you can rely on)"
    )


def check_time_split(y: np.ndarray) -> None:
    """Refuse a time-ordered split whose older rows or newest quarter lack one of the outcomes."""
    cut = round(len(y) * (1 - TEST_FRACTION))
    for part, rows, least in (("older", y[:cut], 3), ("newest", y[cut:], 1)):
        converted = int(rows.sum())
        if min(converted, len(rows) - converted) < least:
            raise TableError(
                f"the {part} rows by the time column ({len(rows):,}, {converted:,} converted) hold too few "
                "of one outcome to train and test on: export more leads, or leave out --time-column "
                "for a random split"
            )


def split(y: np.ndarray, times: list[float] | None) -> tuple[np.ndarray, np.ndarray, str]:
    """Train and test row indices, and the words for how they were split: the newest quarter is the
    test set when rows are in time order (see ``check_time_split``), else a stratified random
    quarter."""
    n = len(y)
    if times is None:
        train, test = train_test_split(np.arange(n), test_size=TEST_FRACTION, random_state=SEED, stratify=y)
        return np.sort(train), np.sort(test), "(stratified random holdout)"
    check_time_split(y)
    cut = round(n * (1 - TEST_FRACTION))
    return np.arange(cut), np.arange(cut, n), "(time-ordered: trained on older rows, tested on newer)"


def reliability_warning(y_test: np.ndarray) -> str | None:
    """A warning when the test rows are too few for the figures to mean much, else None."""
    converted = int(y_test.sum())
    if len(y_test) >= RELIABLE_TEST_ROWS and min(converted, len(y_test) - converted) >= RELIABLE_TEST_CLASS:
        return None
    return (
        f"only {len(y_test):,} test rows ({converted:,} converted): on so few, AUC, lift and calibration "
        f"swing widely by chance; these figures are not reliable below {RELIABLE_TEST_ROWS} test rows with "
        f"{RELIABLE_TEST_CLASS} conversions and {RELIABLE_TEST_CLASS} non-conversions (a file of about "
        f"{round(RELIABLE_TEST_ROWS / TEST_FRACTION):,} leads or more)"
    )
