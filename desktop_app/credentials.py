"""Team-library passwords: kept in the operating system's keyring, never in a file of ours.

A team library is a ``postgresql://user[:password]@host[:port]/dbname[?...]`` URL. The
password is taken out of the URL before the URL is shown, logged or kept in settings
(``strip_password``, ``display_url``); when the user asks for it to be remembered it goes to
the system keyring (Secret Service on Linux, the macOS Keychain, the Windows Credential
Locker) under the service ``SERVICE``, keyed by the URL without its password.

Without a usable keyring (a headless Linux with no Secret Service running) nothing is
remembered: ``keyring_problem()`` says so in words, ``remember`` raises
``CredentialsError`` and the password is asked each time. There is deliberately no fallback
to a file, and keyring back ends that write files (``keyrings.alt``) are refused.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

log = logging.getLogger(__name__)

#: The keyring service the passwords are filed under.
SERVICE = "desktop-app team library"
#: What the user is told when the system has no keyring.
NO_KEYRING = "no system keyring: the password is asked each time"
SCHEMES = ("postgresql", "postgres")
#: Keyring back ends that store secrets in a file (``keyrings.alt``), or nowhere.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class CredentialsError(RuntimeError):
    """A password cannot be remembered or forgotten; the message says why."""


def is_library_url(text: str) -> bool:
    """Whether ``text`` names a team library (a ``postgresql://`` URL)."""
    return urlsplit(text.strip()).scheme.lower() in SCHEMES


def strip_password(url: str) -> tuple[str, str | None]:
    """(``url`` without its password, the password or None).

    The password may sit in the user part (``user:secret@host``, percent-encoded) or, as
    libpq also accepts, in a ``password=`` query parameter; both are taken out. The scheme
    is written ``postgresql`` and the host in lower case, so one library has one key.
    """
    parts = urlsplit(url.strip())
    password: str | None = None
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hostport = netloc.rsplit("@", 1)
        user, sep, secret = userinfo.partition(":")
        if sep:
            password = unquote(secret)
        netloc = f"{user}@{hostport.lower()}" if user else hostport.lower()
    else:
        netloc = netloc.lower()
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = []
    for key, value in query:
        if key == "password":
            password = value if password is None else password
        else:
            kept.append((key, value))
    scheme = "postgresql" if parts.scheme.lower() in SCHEMES else parts.scheme
    return _join(scheme, netloc, parts.path, urlencode(kept, safe="/")), (password or None)


def _join(scheme: str, netloc: str, path: str, query: str) -> str:
    # urlunsplit would drop the "//" of an empty host (postgresql:///db?host=/socket/dir)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def with_password(url: str, password: str) -> str:
    """``url`` (its own password, if any, dropped) carrying ``password`` in its user part."""
    bare, _ = strip_password(url)
    parts = urlsplit(bare)
    user, at, hostport = parts.netloc.rpartition("@")
    if at:
        netloc, query = f"{user}:{quote(password, safe='')}@{hostport}", parts.query
    else:  # the user is given as a parameter (or not at all): so is the password
        netloc = parts.netloc
        query = "&".join(filter(None, [parts.query, urlencode({"password": password})]))
    return _join(parts.scheme, netloc, parts.path, query)


def display_url(url: str) -> str:
    """``url`` fit to show or log: its password removed."""
    return strip_password(url)[0]


def build_url(*, host: str, database: str, user: str = "", port: int | None = None,
              require_tls: bool = False) -> str:
    """A team library's URL from its parts (no password: see ``with_password``)."""
    host = host.strip().lower()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    netloc = f"{quote(user.strip(), safe='')}@{host}" if user.strip() else host
    if port:
        netloc += f":{port}"
    query = "sslmode=require" if require_tls else ""
    return _join("postgresql", netloc, "/" + quote(database.strip(), safe=""), query)


def _backend():  # -> keyring.backend.KeyringBackend | None
    """The keyring that would be used, or None if there is none fit for a password."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is no keyring
        log.exception("the system keyring could not be loaded")
        return None
    # A chain writes to its first (highest priority) member.
    chosen = backend
    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)
        if not members:
            return None
        chosen = members[0]
    if type(chosen).__module__.startswith(_REFUSED_MODULES):
        return None
    return backend


def keyring_problem() -> str | None:
    """None if passwords can be remembered here; else why not, in words (``NO_KEYRING``)."""
    return NO_KEYRING if _backend() is None else None


def remember(url: str, password: str) -> None:
    """Keep ``password`` for ``url``'s library in the system keyring; raises
    ``CredentialsError`` if there is no keyring or it refuses."""
    backend = _backend()
    if backend is None:
        raise CredentialsError(f"The password was not remembered: {NO_KEYRING}.")
    key = display_url(url)
    try:
        backend.set_password(SERVICE, key, password)
    except Exception as exc:  # locked, dismissed, D-Bus gone: the keyring's own words
        raise CredentialsError(
            f"The system keyring did not keep the password ({_reason(exc)}); it will be "
            "asked again next time.") from exc


def password_for(url: str) -> str | None:
    """The password remembered for ``url``'s library, or None (none kept, no keyring, or the
    keyring would not answer: connecting then asks or uses libpq's own sources)."""
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, display_url(url))
    except Exception as exc:
        log.warning("the system keyring did not give the password for %s: %s",
                    display_url(url), _reason(exc))
        return None


def forget(url: str) -> bool:
    """Remove the password kept for ``url``'s library; False if none was kept. Raises
    ``CredentialsError`` if the keyring refuses."""
    backend = _backend()
    if backend is None:
        return False
    from keyring.errors import PasswordDeleteError

    try:
        backend.delete_password(SERVICE, display_url(url))
    except PasswordDeleteError:
        return False
    except Exception as exc:
        raise CredentialsError(
            f"The system keyring did not remove the password ({_reason(exc)}).") from exc
    return True


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
