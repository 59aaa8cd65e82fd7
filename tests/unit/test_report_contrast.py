"""Colour is never the only sign, and never hard to read: every pair of text and
background colours the stylesheet names passes WCAG AA (4.5:1 for normal text)."""

from __future__ import annotations

import re

import pytest

from governance.reports.rendering import stylesheet

AA = 4.5


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def variables() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", stylesheet()))


@pytest.mark.parametrize("tone", ["green", "yellow", "orange", "red", "none", "changed"])
def test_text_on_each_tinted_background_passes_aa(tone: str) -> None:
    colours = variables()
    ink = colours[f"{tone}-ink"] if f"{tone}-ink" in colours else colours[tone]
    background = colours[f"{tone}-bg"]

    assert contrast(ink, background) >= AA


@pytest.mark.parametrize(
    ("ink", "background"),
    [("ink", "paper"), ("muted", "paper"), ("muted", "faint"), ("link", "paper"), ("navy", "faint")],
)
def test_body_text_muted_text_and_links_pass_aa(ink: str, background: str) -> None:
    colours = variables()

    assert contrast(colours[ink], colours[background]) >= AA


def test_the_header_text_on_navy_passes_aa() -> None:
    assert contrast("#ffffff", variables()["navy"]) >= AA
