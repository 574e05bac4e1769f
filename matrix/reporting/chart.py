"""The history page's pass-rate chart: SVG geometry from the history's rates (the template
draws it, so every label goes through the template's escaping)."""

from __future__ import annotations

from ..analysis.history import family_rates

PALETTE = (
    "#0969da", "#1a7f37", "#cf222e", "#8250df", "#bf8700", "#1b7c83", "#e16f24",
    "#6e7781", "#a40e26", "#0550ae", "#4d2d00", "#116329", "#953800", "#512a97",
)  # fmt: skip


def chart(entries: list[dict], width: int = 720, height: int = 260) -> dict:
    """Geometry for the pass-rate chart: one polyline per engine family."""
    rates = family_rates(entries)
    left, right, top, bottom = 44, 12, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(entries)

    def x(index: int) -> float:
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    lines = []
    for index, (family, values) in enumerate(rates.items()):
        points = [(round(x(i), 1), round(y(v), 1)) for i, v in enumerate(values) if v is not None]
        lines.append(
            {
                "family": family,
                "color": PALETTE[index % len(PALETTE)],
                "points": " ".join(f"{px},{py}" for px, py in points),
                "dots": points,
                "last": values[-1] if values else None,
            }
        )
    ticks = [{"y": round(y(t / 100), 1), "label": f"{t}%"} for t in (0, 25, 50, 75, 100)]
    runs = [
        {"x": round(x(i), 1), "label": (e.get("started_at") or e["run"])[:10]}
        for i, e in enumerate(entries)
    ]
    step = max(1, len(runs) // 6)  # at most about six dates under the axis
    return {
        "width": width,
        "height": height,
        "left": left,
        "bottom": height - bottom,
        "right": width - right,
        "top": top,
        "lines": lines,
        "ticks": ticks,
        "runs": runs[::step],
    }
