"""A whole paper session over a link that corrupts and drops 1e-3 of the bytes both ways."""

import pytest

from host.link.model_transport import ModelTransport
from host.reliability.noisy_link import NoisyTransport, run_noisy_session


async def test_no_order_is_taken_as_accepted_without_the_guards_accept():
    result = await run_noisy_session(orders=600, rate=1e-3, seed=7)
    assert result.accepted_by_host > 0
    assert result.accepts_without_guard_accept == []
    # The damage is visible on both sides of the link, and in both directions.
    assert result.host_bad_frames > 0
    assert result.guard_bad_frames > 0
    assert min(result.bytes_corrupted.values()) > 0
    assert min(result.bytes_dropped.values()) > 0


async def test_a_clean_link_loses_no_verdict():
    result = await run_noisy_session(orders=100, rate=0.0, seed=7)
    assert result.no_verdict == 0
    assert result.host_bad_frames == result.guard_bad_frames == 0
    assert result.accepted_by_host > 0
    assert result.accepts_without_guard_accept == []


async def test_damage_rate_outside_zero_to_one_is_refused():
    inner = ModelTransport()
    with pytest.raises(ValueError, match="Damage rate must be in"):
        NoisyTransport(inner, rate=1.0, seed=0)
    await inner.close()
