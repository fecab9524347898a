"""An in-memory keyring, installed with ``keyring.set_keyring`` in place of the operating
system's (Secret Service, Keychain, Credential Locker), which a test machine may not run.

It stands in for the OS keyring only; the code that talks to the keyring is the real one.
Its ``priority`` raises, so keyring never picks it by itself: only a test that installs it
uses it, and the other tests keep whatever the machine has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("installed by tests only")

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


@contextmanager
def installed(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Use ``backend`` as the system keyring inside the block."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
