"""The templates, the stylesheet and the script install with the package, editable or not."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "src" / "governance" / "reports"


def test_every_template_and_static_file_is_declared_package_data() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = declared["governance.reports"]
    files = [
        path.relative_to(REPORTS).as_posix()
        for folder in ("templates", "static")
        for path in (REPORTS / folder).iterdir()
        if path.is_file()
    ]

    assert files
    assert [name for name in files if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)] == []
