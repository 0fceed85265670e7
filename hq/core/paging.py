"""A long list shown a page at a time: how many pages it takes."""

from __future__ import annotations


def pages_of(count: int, per_page: int) -> int:
    """How many pages *count* rows take at *per_page* a page; one for none (an empty list
    is still a page, which says so)."""
    return max(1, -(-count // per_page))
