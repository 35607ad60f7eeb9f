"""MultiFernet vault: newest key encrypts, any key decrypts, rotation moves to the newest."""

from __future__ import annotations

import pytest

from storage.vault import Vault, VaultError


def test_round_trip_and_ciphertext_hides_the_token():
    vault = Vault([Vault.generate_key()])
    secret = "CO-access-token-abc123"
    ciphertext = vault.encrypt(secret)
    assert secret.encode() not in ciphertext and vault.decrypt(ciphertext) == secret


def test_rotation_re_encrypts_under_the_newest_key_so_the_old_one_can_be_retired():
    old, new = Vault.generate_key(), Vault.generate_key()
    ciphertext = Vault([old]).encrypt("token")
    both = Vault([new, old])
    assert not both.is_current(ciphertext)
    rotated = both.rotate(ciphertext)
    assert both.is_current(rotated) and Vault([new]).decrypt(rotated) == "token"
    with pytest.raises(VaultError):
        Vault([new]).decrypt(ciphertext)


def test_repr_shows_no_key_material():
    key = Vault.generate_key()
    assert key not in repr(Vault([key]))
