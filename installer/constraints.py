"""installer/constraints.txt: the exact version of every distribution a frozen build is made of.

pyproject.toml states ranges; a build must be repeatable, so the versions that were built and
tested are pinned here: the app's requirements and those of the ``build`` extra (PyInstaller),
followed recursively through what is installed.

    python installer/constraints.py          # write constraints.txt from this environment
    python installer/constraints.py --check  # does this environment match it?
    pip install -c installer/constraints.txt -e ".[build]"   # a build environment from it

``installer/build.py`` checks the environment against the file before it freezes anything.
The pins are made on one OS: a package only another OS needs (pywin32-ctypes for PyInstaller
on Windows) is not in them and is installed at whatever version pip picks there.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
PYPROJECT = HERE.parent / "pyproject.toml"
CONSTRAINTS = HERE / "constraints.txt"
EXTRAS = ("build",)

_HEADER = """\
# The versions the frozen builds are made from (installer/build.py checks them).
# Written by `python installer/constraints.py` from the environment it ran in; do not edit.
# Use: pip install -c installer/constraints.txt -e ".[build]"
"""
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def app_requirements(pyproject: Path = PYPROJECT,
                     extras: tuple[str, ...] = EXTRAS) -> list[Requirement]:
    """The app's requirements and those of ``extras``, as pyproject.toml states them now (an
    editable install's metadata can be older)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def missing(requirements: list[Requirement]) -> list[str]:
    """The requirements (for this system) that are not installed."""
    absent = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        try:
            metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            absent.append(requirement.name)
    return absent


def installed_closure(requirements: list[Requirement]) -> dict[str, str]:
    """Every installed distribution these requirements need on this system, followed through
    the installed distributions' own requirements: {normalised name: version}."""
    found: dict[str, str] = {}
    pending = [(r.name, frozenset(r.extras)) for r in requirements
               if r.marker is None or r.marker.evaluate({"extra": ""})]
    done: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, wanted = pending.pop()
        key = (normalise(name), wanted)
        if key in done:
            continue
        done.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another system, or an optional one not installed
        found[normalise(name)] = dist.version
        for line in dist.requires or ():
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in (*wanted, "")]
            if requirement.marker is None or any(requirement.marker.evaluate(env)
                                                 for env in environments):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return dict(sorted(found.items()))


def render(pins: dict[str, str]) -> str:
    return _HEADER + "".join(f"{name}=={version}\n" for name, version in pins.items())


def read(path: Path = CONSTRAINTS) -> dict[str, str]:
    """The pins in a constraints file: {normalised name: version}."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"{path}: not a name==version line: {line!r}")
        pins[normalise(match[1])] = match[2]
    return pins


def write(path: Path = CONSTRAINTS) -> dict[str, str]:
    """Pin what this environment has; the pins written. Every requirement must be installed,
    or the file would leave it floating."""
    requirements = app_requirements()
    absent = missing(requirements)
    if absent:
        raise SystemExit(f"not installed here: {', '.join(absent)}; "
                         "pip install -e \".[build]\" first")
    pins = installed_closure(requirements)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render(pins), encoding="utf-8")
    os.replace(temporary, path)
    return pins


def mismatches(pins: dict[str, str], installed: dict[str, str]) -> list[str]:
    """What differs between the pins and what the build would bundle, one line each."""
    problems = []
    for name, version in installed.items():
        pinned = pins.get(name)
        if pinned is None:
            problems.append(f"{name} {version} is installed but not pinned")
        elif pinned != version:
            problems.append(f"{name} is {version}, pinned {pinned}")
    return problems


def check(path: Path = CONSTRAINTS) -> list[str]:
    """How this environment differs from the constraints file (empty: it matches)."""
    if not path.is_file():
        return [f"{path} is missing: python installer/constraints.py writes it"]
    requirements = app_requirements()
    return ([f"{name} is not installed" for name in missing(requirements)]
            + mismatches(read(path), installed_closure(requirements)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare this environment with the file instead of writing it")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for line in problems:
            print(line)
        print(f"{CONSTRAINTS.name}: {'differs' if problems else 'matches this environment'}")
        return 1 if problems else 0
    pins = write()
    print(f"pinned {len(pins)} distributions in {CONSTRAINTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
