"""The team library's error, kept apart from the driver: code that only needs to recognise
it (the facade's error translation) does not load psycopg."""

from __future__ import annotations

from desktop_app.index.records import StoreError


class TeamLibraryError(StoreError):
    """A team library cannot be used; the message says why and what to do.

    A ``StoreError`` (the index layer cannot raise the facade's ``LibraryError``): the
    facade reports it to the person as a ``LibraryError`` with the same message."""


class ServerUnreachable(TeamLibraryError):
    """The team library's server does not answer (it is down, or the network is)."""
