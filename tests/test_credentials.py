"""Team-library passwords: taken out of URLs, kept in the system keyring, never in a file.

The system keyring is stood in for by an in-memory one (``memory_keyring``) and by keyring's
own "no keyring" back ends; the code under test is the real ``desktop_app.credentials``.
"""

from __future__ import annotations

from pathlib import Path

import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.errors import KeyringLocked
from memory_keyring import MemoryKeyring, installed
from psycopg.conninfo import conninfo_to_dict

from desktop_app import credentials
from desktop_app.credentials import (
    NO_KEYRING,
    SERVICE,
    CredentialsError,
    build_url,
    display_url,
    strip_password,
    with_password,
)

URL = "postgresql://alice@db.example.com:5432/docs?sslmode=require"


@pytest.mark.parametrize(("url", "bare", "password"), [
    ("postgresql://alice:s3cret@db.example.com:5432/docs?sslmode=require", URL, "s3cret"),
    (URL, URL, None),
    # percent-encoded in the user part, as a URL must carry "@" and ":"
    ("postgres://alice:p%40ss%3Aw@DB.Example.com/docs", "postgresql://alice@db.example.com/docs",
     "p@ss:w"),
    # libpq's password parameter, and a socket folder as the host (no host part at all)
    ("postgresql:///docs?host=/run/pg&user=bob&password=hunter2",
     "postgresql:///docs?host=/run/pg&user=bob", "hunter2"),
])
def test_strip_password_takes_the_password_out(url: str, bare: str, password: str | None):
    assert strip_password(url) == (bare, password)
    assert display_url(url) == bare
    if password:
        assert password not in display_url(url)


@pytest.mark.parametrize("url", [URL, "postgresql:///docs?host=/run/pg&user=bob"])
def test_with_password_is_what_libpq_reads(url: str):
    secret = "p@ss:w/rd&x=1"
    full = with_password(url, secret)
    assert conninfo_to_dict(full)["password"] == secret
    assert strip_password(full) == (url, secret)


def test_build_url_from_parts():
    assert build_url(host="DB.example.com", database="docs", user="alice", port=5433,
                     require_tls=True) == \
        "postgresql://alice@db.example.com:5433/docs?sslmode=require"
    assert build_url(host="db", database="team docs") == "postgresql://db/team%20docs"
    assert conninfo_to_dict(build_url(host="::1", database="docs", port=5432))["host"] == "::1"


def test_remembered_password_is_found_under_the_url_without_it():
    memory = MemoryKeyring()
    with installed(memory):
        assert credentials.keyring_problem() is None
        assert credentials.password_for(URL) is None
        credentials.remember(with_password(URL, "typed"), "s3cret")
        # filed under the URL as shown, never with the password in the key
        assert memory.secrets == {(SERVICE, URL): "s3cret"}
        assert credentials.password_for(URL) == "s3cret"
        assert credentials.password_for(with_password(URL, "other")) == "s3cret"
        assert credentials.password_for("postgresql://bob@db.example.com/docs") is None
        assert credentials.forget(URL) is True
        assert credentials.password_for(URL) is None
        assert credentials.forget(URL) is False


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(),
                                     keyring.backends.null.Keyring()])
def test_without_a_keyring_nothing_is_kept_anywhere(backend, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    # Wherever a fallback might write (home, config, data folders) is an empty folder here.
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    with installed(backend):
        assert credentials.keyring_problem() == NO_KEYRING
        with pytest.raises(CredentialsError, match="no system keyring: the password is asked "
                                                   "each time"):
            credentials.remember(URL, "s3cret")
        assert credentials.password_for(URL) is None
        assert credentials.forget(URL) is False
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


class LockedKeyring(MemoryKeyring):
    """A keyring the user did not unlock (the unlock prompt was dismissed)."""

    def get_password(self, service: str, username: str, *password: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    set_password = delete_password = get_password  # type: ignore[assignment]


def test_a_locked_keyring_is_said_in_words_and_does_not_stop_connecting():
    with installed(LockedKeyring()):
        with pytest.raises(CredentialsError, match=r"did not keep the password .*locked"):
            credentials.remember(URL, "s3cret")
        assert credentials.password_for(URL) is None  # connecting asks or uses libpq's
        with pytest.raises(CredentialsError, match="locked"):
            credentials.forget(URL)
