"""The renewed page lock: held as long as its holder works, freed soon after its holder dies."""

from __future__ import annotations

import threading
import time

import pytest

from storage.redis_locks import LockTimeout, RedisLocks


@pytest.mark.redis
def test_a_renewed_lock_outlives_its_ttl_while_held_and_lapses_when_its_holder_dies(redis_client):
    locks = RedisLocks(redis_client, prefix="t:page", ttl_s=0.3, wait_s=0.2, renew=True)
    impatient = RedisLocks(redis_client, prefix="t:page", ttl_s=0.3, wait_s=0.2)
    with locks("a"):
        time.sleep(1.0)  # three TTLs: still ours
        with pytest.raises(LockTimeout), impatient("a"):
            pass
    with impatient("a"):  # released on exit
        pass
    # A holder that dies: its renewal stops with it, and the lock lapses within one TTL.
    stop = threading.Event()
    redis_client.set("t:page:b", "dead-holder", px=300)
    threading.Thread(target=locks._keep_alive, args=("t:page:b", "dead-holder", stop), daemon=True).start()
    time.sleep(0.5)
    assert redis_client.get("t:page:b") == b"dead-holder"
    stop.set()  # the process is gone
    time.sleep(0.5)
    with impatient("b"):
        pass
