"""The admin app's TOML writer: what it writes reads back the same."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from leadq.web.config_form import dumps
from routing.config import default_text
from scoring.icp import default_icp_text

scalars = st.one_of(
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.text(alphabet='ab"\\\n\tü€ ', max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
)
keys = st.sampled_from(["a", "b_c", "d-e", "L1", "x y", "é"])
tables = st.recursive(
    st.dictionaries(keys, st.one_of(scalars, st.lists(scalars, max_size=4)), max_size=4),
    lambda inner: st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)


def test_the_shipped_files_round_trip() -> None:
    for text in (default_text(), default_icp_text()):
        data = tomllib.loads(text)
        assert tomllib.loads(dumps(data)) == data


@given(tables)
def test_any_table_round_trips(data: dict) -> None:
    assert tomllib.loads(dumps(data)) == data
