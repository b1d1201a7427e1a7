"""One colour per run, the same in the Runs list, the curves and every legend.

Runs take the Okabe–Ito palette in turn (Okabe & Ito, "Color Universal Design", 2008):
eight colours that stay apart for people with red-green (deuteranopia, protanopia) or
blue-yellow colour blindness too (simulated, every two are more than 15 CIELAB units
apart). The order (blue, orange, green, black, pink, yellow, sky blue, vermillion) is the
one whose neighbours, the last and first included, are furthest apart for all those eyes
(more than 38 units): two runs made one after the other never look alike.
"""

from __future__ import annotations

RUN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#000000", "#CC79A7", "#F0E442", "#56B4E9", "#D55E00")

# ten classes (MNIST-1D's digits) in matplotlib's tab10, as such plots usually are
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


MIN_TEXT_CONTRAST = 4.5  # WCAG AA for text against its background


def run_text_colour(run_id: str, background: str = "#ffffff") -> str:
    """The run's colour for *text* (a name in a table, a plot's end label): darkened, same hue, until it
    reads on ``background`` — Okabe–Ito's yellow is a fine line but illegible letters on white."""
    colour = run_colour(run_id)
    red, green, blue = _rgb(colour)
    for step in range(20):
        scale = 1 - step * 0.05
        shade = tuple(round(c * scale) for c in (red, green, blue))
        if contrast(shade, _rgb(background)) >= MIN_TEXT_CONTRAST:
            break
    return "#{:02x}{:02x}{:02x}".format(*shade)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21)."""
    lighter, darker = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(rgb: tuple[int, int, int]) -> float:
    linear = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def run_colour(run_id: str) -> str:
    """Runs are numbered in the order they were made (``run7``): the colours cycle through ``RUN_COLOURS``."""
    digits = "".join(c for c in run_id if c.isdigit())
    return RUN_COLOURS[(int(digits) - 1) % len(RUN_COLOURS)] if digits else RUN_COLOURS[0]
