"""One page of a paged list: the row read past it only says whether another page follows."""

from __future__ import annotations

import pytest

from archive.core.paging import Window


@pytest.mark.parametrize(
    ("read", "rows", "more"),
    [
        ([], [], False),  # nothing at all
        ([1, 2], [1, 2], False),  # a short last page
        ([1, 2, 3], [1, 2, 3], False),  # an exactly full last page: no link to an empty one
        ([1, 2, 3, 4], [1, 2, 3], True),  # the row past the page: another follows, not shown
    ],
)
def test_a_window_shows_its_size_and_links_on_only_past_it(read, rows, more):
    assert Window.reading(3) == 4
    assert Window.cut(read, 3) == Window(rows, more)
