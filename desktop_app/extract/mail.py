"""The e-mail family: single messages (.eml), mailboxes (.mbox) and Outlook messages (.msg).

A page is a message, numbered from 1 (a .eml or .msg is message 1; a mailbox numbers its
messages in the order it holds them). A message's page holds its subject, sender, recipients,
date, the names of its attachments and its plain-text body (an HTML-only body as its text).

Each attachment that some family reads (a PDF, a Word file, a sheet …) is read with the same
registry and becomes further pages of the message's file, with the message's number and a
text that starts with "Attachment: name" — so a passage inside an attached PDF is found, and
its result names the mail file and the message it came with. Attachments are not files of
their own on disk, so giving them entries of their own would make results that cannot be
opened or revealed; as pages of the mail, "Open" opens the mail, which is where the user
finds the attachment. An attachment of an attached message is named but not read.

Outlook's .msg is an OLE compound file; it is read with ``olefile`` from the MAPI property
streams ([MS-OXMSG]) that hold the subject, people, date, body and attachments.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import mailbox
import os
import re
import struct
import tempfile
from email.message import EmailMessage
from pathlib import Path

from desktop_app.extract.files import open_regular, read_at_most
from desktop_app.extract.pages import ExtractionError, Page
from desktop_app.extract.text import decode, html_to_text, normalise

#: Attachments read per message, at most, and the largest one read.
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024
#: A single message file read, at most.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024

_depth = 0  # > 0 while an attachment is being read: its own attachments are not
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def extract(path: Path) -> list[Page]:
    suffix = path.suffix.lower()
    if suffix == ".msg":
        return _msg(path)
    if suffix == ".mbox":
        return _mbox(path)
    with open_regular(path) as fh:
        data = read_at_most(fh, MAX_MESSAGE_BYTES)
    if not data.strip():
        raise ExtractionError("skipped", "empty file")
    message = email.message_from_bytes(data, policy=email.policy.default)
    pages = _message_pages(1, message)  # type: ignore[arg-type]
    if not pages:
        raise ExtractionError("skipped", "no text")
    return pages


def _mbox(path: Path) -> list[Page]:
    box = mailbox.mbox(os.fspath(path), create=False)
    try:
        pages: list[Page] = []
        keys = box.keys()
        for number, key in enumerate(keys, 1):
            message = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            pages += _message_pages(number, message)  # type: ignore[arg-type]
    finally:
        box.close()
    if not pages:
        raise ExtractionError("skipped", "no messages" if not keys else "no text")
    return pages


# -- a parsed message → pages -----------------------------------------------------------------
def _message_pages(number: int, message: EmailMessage) -> list[Page]:
    attachments = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if part.get_content_type() == "message/rfc822" and not name:
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            subject = inner.get("subject", "") if hasattr(inner, "get") else ""
            name = f"{subject or 'message'}.eml"
        attachments.append((name or "attachment", part))
    header = _header_lines(
        subject=str(message.get("subject", "") or ""),
        sender=str(message.get("from", "") or ""),
        to=str(message.get("to", "") or ""),
        cc=str(message.get("cc", "") or ""),
        date=str(message.get("date", "") or ""),
        names=[n for n, _ in attachments])
    pages = [_page(number, header, _body(message))]
    for name, part in attachments[:MAX_ATTACHMENTS]:
        pages += _attachment_pages(number, name, _payload_bytes(part))
    return [p for p in pages if p is not None]


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown or wrong charset
        content = decode(part.get_payload(decode=True) or b"")
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _payload_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes() if hasattr(inner, "as_bytes") else b""
    return part.get_payload(decode=True) or b""


def _header_lines(*, subject: str, sender: str, to: str, cc: str, date: str,
                  names: list[str]) -> str:
    lines = [f"Subject: {subject}" if subject else "", f"From: {sender}" if sender else "",
             f"To: {to}" if to else "", f"Cc: {cc}" if cc else "",
             f"Date: {date}" if date else "",
             f"Attachments: {', '.join(names)}" if names else ""]
    return "\n".join(line for line in lines if line)


def _page(number: int, header: str, body: str) -> Page | None:
    text = normalise(f"{header}\n\n{body}" if header else body)
    return Page(number, text) if text else None


def _attachment_pages(number: int, name: str, data: bytes) -> list[Page]:
    """The text of one attachment as pages of the message ``number``; none if unreadable."""
    global _depth
    from desktop_app.extract.registry import extract as extract_any
    from desktop_app.extract.registry import is_supported

    if _depth or not data or len(data) > MAX_ATTACHMENT_BYTES or not is_supported(name):
        return []
    safe = _UNSAFE_NAME.sub("_", os.path.basename(name)).strip(" .") or "attachment"
    # A private folder (0700) that only this process writes in, gone when done.
    with tempfile.TemporaryDirectory(prefix="desktop-app-attachment-") as folder:
        target = Path(folder, safe[-120:])
        target.write_bytes(data)
        _depth += 1
        try:
            inner = extract_any(target)
        except ExtractionError:
            return []
        finally:
            _depth -= 1
    pages = []
    for page in inner:
        where = f" ({_page_label(name)} {page.number})" if page.number is not None \
            and len(inner) > 1 else ""
        pages.append(Page(number, f"Attachment: {name}{where}\n\n{page.text}"))
    return pages


def _page_label(name: str) -> str:
    from desktop_app.extract.registry import page_word

    return page_word(name)


# -- Outlook .msg -----------------------------------------------------------------------------
_PT_UNICODE, _PT_STRING8, _PT_BINARY, _PT_SYSTIME = "001F", "001E", "0102", 0x0040
_SUBJECT, _SENDER_NAME, _SENDER_SMTP, _SENDER_EMAIL = "0037", "0C1A", "5D01", "0C1F"
_DISPLAY_TO, _DISPLAY_CC, _BODY, _HTML = "0E04", "0E03", "1000", "1013"
_SUBMIT_TIME, _DELIVERY_TIME = 0x0039, 0x0E06
_ATTACH_LONG_NAME, _ATTACH_NAME, _ATTACH_DISPLAY, _ATTACH_DATA = "3707", "3704", "3001", "3701"


def _msg(path: Path) -> list[Page]:
    import olefile

    with open_regular(path) as fh:
        head = fh.read(8)
        fh.seek(0)
        if not head:
            raise ExtractionError("skipped", "empty file")
        if not olefile.isOleFile(fh):
            raise ExtractionError("failed", "damaged Outlook message: not an OLE compound file")
        fh.seek(0)
        try:
            ole = olefile.OleFileIO(fh)
        except (OSError, ValueError) as exc:
            raise ExtractionError("failed", f"damaged Outlook message: {exc}") from None
        with ole:
            if not ole.exists(f"__substg1.0_{_SUBJECT}{_PT_UNICODE}") and not any(
                    entry[0].startswith("__substg1.0_") for entry in ole.listdir()):
                raise ExtractionError("failed", "not an Outlook message (no message properties)")
            sender_name = _prop(ole, "", _SENDER_NAME)
            address = _prop(ole, "", _SENDER_SMTP) or _prop(ole, "", _SENDER_EMAIL)
            sender = f"{sender_name} <{address}>" if sender_name and address and "@" in address \
                else sender_name or address
            when = _msg_time(ole)
            body = _prop(ole, "", _BODY)
            if not body.strip():
                html = _prop(ole, "", _HTML)
                body = html_to_text(html) if html else ""
            attachments = _msg_attachments(ole)
            header = _header_lines(subject=_prop(ole, "", _SUBJECT), sender=sender,
                                   to=_prop(ole, "", _DISPLAY_TO), cc=_prop(ole, "", _DISPLAY_CC),
                                   date=when, names=[n for n, _ in attachments])
    pages = [_page(1, header, body)]
    for name, data in attachments[:MAX_ATTACHMENTS]:
        pages += _attachment_pages(1, name, data)
    kept = [p for p in pages if p is not None]
    if not kept:
        raise ExtractionError("skipped", "no text")
    return kept


def _prop(ole: object, storage: str, prop: str) -> str:
    """A string property (Unicode, 8-bit or binary HTML) of the message or an attachment."""
    for kind in (_PT_UNICODE, _PT_STRING8, _PT_BINARY):
        name = f"{storage}__substg1.0_{prop}{kind}"
        if ole.exists(name):  # type: ignore[attr-defined]
            data = ole.openstream(name).read()  # type: ignore[attr-defined]
            if kind == _PT_UNICODE:
                return data.decode("utf-16-le", errors="replace").rstrip("\x00")
            return decode(data).rstrip("\x00")
    return ""


def _msg_time(ole: object) -> str:
    """The sent (else received) time from the fixed-size property stream, as a UTC date."""
    name = "__properties_version1.0"
    if not ole.exists(name):  # type: ignore[attr-defined]
        return ""
    data = ole.openstream(name).read()  # type: ignore[attr-defined]
    found: dict[int, int] = {}
    for offset in range(32, len(data) - 15, 16):  # a 32-byte header, then 16-byte entries
        tag, _flags, value = struct.unpack_from("<IIQ", data, offset)
        if tag & 0xFFFF == _PT_SYSTIME:
            found[tag >> 16] = value
    value = found.get(_SUBMIT_TIME) or found.get(_DELIVERY_TIME)
    if not value:
        return ""
    try:
        when = dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=value // 10)
    except OverflowError:
        return ""
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _msg_attachments(ole: object) -> list[tuple[str, bytes]]:
    storages = sorted({entry[0] for entry in ole.listdir(streams=True, storages=True)  # type: ignore[attr-defined]
                       if entry[0].startswith("__attach_version1.0_#")})
    found = []
    for storage in storages:
        prefix = f"{storage}/"
        name = (_prop(ole, prefix, _ATTACH_LONG_NAME) or _prop(ole, prefix, _ATTACH_NAME)
                or _prop(ole, prefix, _ATTACH_DISPLAY) or "attachment")
        stream = f"{prefix}__substg1.0_{_ATTACH_DATA}{_PT_BINARY}"
        data = b""
        if ole.exists(stream) and ole.get_size(stream) <= MAX_ATTACHMENT_BYTES:  # type: ignore[attr-defined]
            data = ole.openstream(stream).read()  # type: ignore[attr-defined]
        found.append((name, data))
    return found
