"""A child process for the durability tests: records in a loop, printing each id only
after ``record`` has returned, exactly as the kiosk acknowledges a press.

    python -m tests.recorder DB_PATH
"""

from __future__ import annotations

import sys

from kiosk.store.store import Store
from tests.conftest import make_context


def main(path: str) -> None:
    with Store(path, make_context(repeat_window=0, thank_you=0)) as store:
        score = 0
        while True:
            score = score % 4 + 1
            rating = store.record(score, "button")
            print(rating.id, rating.seq, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
