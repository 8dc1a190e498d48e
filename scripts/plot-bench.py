#!/usr/bin/env python3
"""Draws the benchmark plots of docs/benchmarks.md as hand-made SVG (Python 3 standard library only).

Usage: python3 scripts/plot-bench.py        (no arguments; regenerates every plot into docs/plots/)

Reads the raw figures that `./ipai bench ... --json` wrote into docs/:
  docs/bench-provision-1000.json -> docs/plots/provision-growth.svg
      Provisioning time per tenant by the tenant's ordinal, one series per kind. When a kind carries its
      per-tenant times (`variants[].per_tenant_seconds`, seconds of tenants 1..N in the order provisioned) they
      are drawn as points with a rolling median; otherwise the plot falls back to the aggregates the JSON has
      (`first_tenth_p50`, `last_tenth_p50`), says so in its title and prints a warning.
  docs/bench-migrate-1000.json   -> docs/plots/migrate-fleet.svg
  docs/bench-migrate-1000-new-script.json -> docs/plots/migrate-new-script.svg
      Seconds of each fleet migration pass (`passes[].name`, `passes[].seconds`) as bars, on a log scale when
      the values span more than two orders of magnitude.

Nothing is invented: a missing field is named in a warning on stderr and the plot is made from what exists.
The output is deterministic (no timestamps, fixed number formatting): the same input gives byte-identical SVG.
"""

import json
import math
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
OUT = os.path.join(DOCS, "plots")

WIDTH, HEIGHT = 800, 450
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#222222"
MUTED = "#555555"
GRID = "#e3e3e3"
AXIS = "#444444"
# Okabe-Ito: distinguishable with colour-blindness; each series also gets its own marker shape.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
MARKERS = ["circle", "square", "triangle", "diamond"]

WARNINGS = []


def warn(message):
    WARNINGS.append(message)
    print("warning: " + message, file=sys.stderr)


# ---------------------------------------------------------------------------------------------- SVG helpers


def num(value):
    """Coordinates with at most two decimals and no trailing zeros (stable across runs)."""
    text = "%.2f" % value
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def attrs(**kw):
    parts = []
    for key, value in kw.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = num(value)
        parts.append('%s="%s"' % (name, esc(value)))
    return " ".join(parts)


class Svg:
    def __init__(self, title):
        self.parts = []
        self.title = title

    def add(self, element):
        self.parts.append(element)

    def line(self, x1, y1, x2, y2, **kw):
        self.add("<line %s/>" % attrs(x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **kw))

    def rect(self, x, y, w, h, **kw):
        self.add("<rect %s/>" % attrs(x=float(x), y=float(y), width=float(w), height=float(h), **kw))

    def polyline(self, points, **kw):
        pts = " ".join("%s,%s" % (num(x), num(y)) for x, y in points)
        self.add('<polyline points="%s" fill="none" %s/>' % (pts, attrs(**kw)))

    def text(self, x, y, content, size=12, anchor="start", fill=INK, weight=None, rotate=None, **kw):
        transform = None
        if rotate is not None:
            transform = "rotate(%s %s %s)" % (num(rotate), num(x), num(y))
        self.add("<text %s>%s</text>" % (
            attrs(x=float(x), y=float(y), font_size=size, text_anchor=anchor, fill=fill, font_weight=weight,
                  transform=transform, **kw), esc(content)))

    def marker(self, shape, x, y, colour, size=5.0, **kw):
        s = size
        if shape == "circle":
            self.add("<circle %s/>" % attrs(cx=float(x), cy=float(y), r=float(s), fill=colour, **kw))
        elif shape == "square":
            self.rect(x - s * 0.9, y - s * 0.9, s * 1.8, s * 1.8, fill=colour, **kw)
        elif shape == "triangle":
            pts = [(x, y - s * 1.15), (x + s * 1.1, y + s * 0.8), (x - s * 1.1, y + s * 0.8)]
            self.add('<polygon points="%s" %s/>' % (
                " ".join("%s,%s" % (num(a), num(b)) for a, b in pts), attrs(fill=colour, **kw)))
        else:  # diamond
            pts = [(x, y - s * 1.25), (x + s * 1.1, y), (x, y + s * 1.25), (x - s * 1.1, y)]
            self.add('<polygon points="%s" %s/>' % (
                " ".join("%s,%s" % (num(a), num(b)) for a, b in pts), attrs(fill=colour, **kw)))

    def render(self):
        head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
                'font-family="%s" role="img">' % (WIDTH, HEIGHT, WIDTH, HEIGHT, esc(FONT)))
        body = ["<title>%s</title>" % esc(self.title),
                '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (WIDTH, HEIGHT)]
        return "\n".join([head] + body + self.parts + ["</svg>"]) + "\n"


def write(name, svg):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(svg.render())
    print("wrote " + os.path.relpath(path, ROOT))


# ---------------------------------------------------------------------------------------------- scales


def nice_step(span, count):
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def linear_ticks(low, high, count=5):
    step = nice_step(high - low, count)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    ticks = []
    value = first
    while value <= last + step * 1e-6:
        ticks.append(round(value, 10))
        value += step
    return ticks, step


def decimals_for(step):
    """Fewest decimals that show every tick of this step exactly (0.05 -> 2, 0.25 -> 2, 5 -> 0)."""
    for digits in range(0, 8):
        if abs(round(step, digits) - step) < step * 1e-6:
            return digits
    return 8


def thousands(value):
    return "{:,}".format(int(value))


def plot_frame(svg, left, top, right, bottom):
    svg.line(left, bottom, right, bottom, stroke=AXIS, stroke_width=1)
    svg.line(left, top, left, bottom, stroke=AXIS, stroke_width=1)


def fit(text, size, width, em=0.62):
    """Font size at which text (estimated at em per character) fits width; at most size."""
    return min(size, round(width / (em * max(len(text), 1)) * 2) / 2.0)


def header(svg, title, subtitle):
    svg.text(WIDTH / 2, 26, title, size=fit(title, 16, WIDTH - 30), anchor="middle", weight="bold")
    if subtitle:
        svg.text(WIDTH / 2, 45, subtitle, size=fit(subtitle, 11, WIDTH - 30, 0.56), anchor="middle", fill=MUTED)


def machine(data):
    parts = []
    if "processors" in data:
        parts.append("%s processors" % data["processors"])
    if "server_version" in data:
        parts.append("PostgreSQL " + str(data["server_version"]).split(" ")[0])
    return ", ".join(parts)


def load(name):
    path = os.path.join(DOCS, name)
    if not os.path.exists(path):
        warn("%s not found; its plot is skipped" % os.path.relpath(path, ROOT))
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_entries(source, key, target):
    """The raw figures of source and their non-empty list under key, or (None, None) after a warning: target is skipped."""
    data = load(source)
    if data is None:
        return None, None
    entries = data.get(key)
    if not entries:
        warn("%s: no '%s'; %s is skipped" % (source, key, target))
        return None, None
    return data, entries


# ---------------------------------------------------------------------------------------------- provisioning


def rolling_median(values, window):
    half = window // 2
    out = []
    for i in range(len(values)):
        out.append(statistics.median(values[max(0, i - half):i + half + 1]))
    return out


def provision_growth(source="bench-provision-1000.json", target="provision-growth.svg"):
    data, variants = load_entries(source, "variants", target)
    if variants is None:
        return

    series = []  # (name, kind, payload)
    for index, variant in enumerate(variants):
        name = variant.get("variant", "kind %d" % (index + 1))
        raw = variant.get("per_tenant_seconds")
        if isinstance(raw, list) and raw:
            series.append((name, "raw", [float(v) for v in raw]))
            continue
        missing = [f for f in ("first_tenth_p50", "last_tenth_p50") if not isinstance(variant.get(f), (int, float))]
        if missing:
            warn("%s: variant '%s' has neither 'per_tenant_seconds' nor %s; left out of %s"
                 % (source, name, " / ".join("'%s'" % m for m in missing), target))
            continue
        series.append((name, "tenths", (float(variant["first_tenth_p50"]), float(variant["last_tenth_p50"]),
                                        int(variant.get("tenants", data.get("tenants", 0)) or 0))))
    if not series:
        warn("%s: nothing to plot for %s" % (source, target))
        return

    aggregate_only = all(kind == "tenths" for _, kind, _ in series)
    if any(kind == "tenths" for _, kind, _ in series):
        warn("%s: no per-tenant times ('variants[].per_tenant_seconds' missing) for %s; plotting the p50 of the "
             "first and last tenth ('first_tenth_p50', 'last_tenth_p50') instead"
             % (source, ", ".join("'%s'" % n for n, k, _ in series if k == "tenths")))

    n = 0
    for _, kind, payload in series:
        n = max(n, len(payload) if kind == "raw" else payload[2])
    if n <= 0:
        n = int(data.get("tenants", 0) or 0)
        if n <= 0:
            warn("%s: no tenant count ('tenants'); %s is skipped" % (source, target))
            return
    tenth = max(1, n // 10)

    values = []
    for _, kind, payload in series:
        values.extend(payload if kind == "raw" else payload[:2])

    if aggregate_only:
        title = "Provisioning time per tenant as the fleet grows (aggregates only: p50 of first/last tenth)"
    else:
        title = "Provisioning time per tenant as the fleet grows"
    subtitle = "docs/%s (./ipai bench provision --tenants %s)" % (source, data.get("tenants", n))
    if machine(data):
        subtitle += "; " + machine(data)
    svg = Svg(title)
    header(svg, title, subtitle)

    rows = (len(series) + 1) // 2
    left, right, top = 78, WIDTH - 28, 66
    bottom = HEIGHT - 70 - 18 * rows
    y_ticks, y_step = linear_ticks(0.0, max(values) * 1.05, 5)
    y_max = y_ticks[-1]
    x_ticks, _ = linear_ticks(0, n, 10)

    def sx(v):
        return left + (right - left) * v / float(n)

    def sy(v):
        return bottom - (bottom - top) * v / y_max

    # Shaded tenths (aggregate mode): where the plotted medians come from.
    if any(kind == "tenths" for _, kind, _ in series):
        for lo, hi, label in ((0, tenth, "first tenth (tenants 1–%s)" % thousands(tenth)),
                              (n - tenth, n, "last tenth (tenants %s–%s)" % (thousands(n - tenth + 1), thousands(n)))):
            svg.rect(sx(lo), top, sx(hi) - sx(lo), bottom - top, fill="#f3f3f3")
            anchor = "start" if lo == 0 else "end"
            svg.text(sx(lo) + 4 if lo == 0 else sx(hi) - 4, top + 13, label, size=11, anchor=anchor, fill=MUTED)

    digits = decimals_for(y_step)
    for t in y_ticks:
        svg.line(left, sy(t), right, sy(t), stroke=GRID, stroke_width=1)
        svg.line(left - 5, sy(t), left, sy(t), stroke=AXIS, stroke_width=1)
        svg.text(left - 8, sy(t) + 4, "%.*f" % (digits, t), size=11, anchor="end")
    for t in x_ticks:
        if t > n:
            continue
        svg.line(sx(t), top, sx(t), bottom, stroke=GRID, stroke_width=1)
        svg.line(sx(t), bottom, sx(t), bottom + 5, stroke=AXIS, stroke_width=1)
        svg.text(sx(t), bottom + 18, thousands(t), size=11, anchor="middle")
    plot_frame(svg, left, top, right, bottom)
    svg.text(18, (top + bottom) / 2, "seconds per tenant", size=12, anchor="middle", rotate=-90)
    svg.text((left + right) / 2, bottom + 38,
             "tenant ordinal, 1..%s in the order provisioned (kinds take turns)" % thousands(n), size=12,
             anchor="middle")

    legend = []
    notes = []
    for index, (name, kind, payload) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        if kind == "raw":
            for ordinal, value in enumerate(payload, start=1):
                svg.add("<circle %s/>" % attrs(cx=float(sx(ordinal)), cy=float(sy(value)), r=1.6, fill=colour,
                                               fill_opacity=0.35))
            window = max(5, (len(payload) // 20) | 1)
            medians = rolling_median(payload, window)
            svg.polyline([(sx(i), sy(v)) for i, v in enumerate(medians, start=1)], stroke=colour, stroke_width=2.2)
            k = max(1, len(payload) // 10)
            first_p50 = statistics.median(payload[:k])
            last_p50 = statistics.median(payload[-k:])
            notes.append("points: one per tenant; thick line: rolling median of %d tenants" % window)
        else:
            first_p50, last_p50, _ = payload
            # The medians of the two tenths, drawn across the tenth they summarise; the dashed line between them
            # only joins the two figures: nothing was recorded per tenant in between.
            for lo, hi, value in ((0, tenth, first_p50), (n - tenth, n, last_p50)):
                svg.line(sx(lo), sy(value), sx(hi), sy(value), stroke=colour, stroke_width=3)
                svg.marker(shape, sx((lo + hi) / 2.0), sy(value), colour, stroke="#ffffff", stroke_width=1)
            svg.line(sx(tenth), sy(first_p50), sx(n - tenth), sy(last_p50), stroke=colour, stroke_width=1.3,
                     stroke_dasharray="5 4")
        change = (last_p50 / first_p50 - 1) * 100 if first_p50 > 0 else 0.0
        text = "%s: p50 %.3f → %.3f s (%+.0f%%)" % (name, first_p50, last_p50, change)
        legend.append((text, colour, shape))

    # Legend below the plot, two columns of equal width across the whole image.
    legend_top = bottom + 58
    col_width = (WIDTH - 24) / 2.0
    longest = max(len(text) for text, _, _ in legend)
    size = fit("x" * longest, 11, col_width - 34, 0.55)
    for index, (text, colour, shape) in enumerate(legend):
        x = 12 + (index % 2) * col_width
        y = legend_top + (index // 2) * 18
        svg.line(x, y - 4, x + 22, y - 4, stroke=colour, stroke_width=3)
        svg.marker(shape, x + 11, y - 4, colour, size=4.2, stroke="#ffffff", stroke_width=1)
        svg.text(x + 28, y, text, size=size)
    if any(kind == "tenths" for _, kind, _ in series):
        notes.append("solid: p50 over the tenth's %s tenants; dashed: only joins the two p50s (no per-tenant "
                     "times in the JSON)" % thousands(tenth))
    if notes:
        note = "; ".join(sorted(set(notes)))
        note = note[0].upper() + note[1:] + "."
        svg.text(WIDTH / 2, HEIGHT - 8, note, size=fit(note, 10.5, WIDTH - 20, 0.55), anchor="middle", fill=MUTED)
    write(target, svg)


# ---------------------------------------------------------------------------------------------- migrations


def migrate_fleet(source="bench-migrate-1000.json", target="migrate-fleet.svg"):
    data, passes = load_entries(source, "passes", target)
    if passes is None:
        return
    bars = []
    for index, entry in enumerate(passes):
        name = entry.get("name")
        if name is None:
            warn("%s: passes[%d] has no 'name'" % (source, index))
            name = "pass %d" % (index + 1)
        seconds = entry.get("seconds")
        if not isinstance(seconds, (int, float)):
            warn("%s: pass '%s' has no 'seconds'; left out of %s" % (source, name, target))
            continue
        bars.append((name, float(seconds), entry))
    if not bars:
        warn("%s: nothing to plot for %s" % (source, target))
        return

    positive = [s for _, s, _ in bars if s > 0]
    log = bool(positive) and len(positive) == len(bars) and max(positive) / min(positive) > 100
    tenants = sorted({e.get("tenants") for _, _, e in bars if isinstance(e.get("tenants"), int)})
    fleet = " over %s tenants" % thousands(tenants[0]) if len(tenants) == 1 else ""
    title = "Fleet migration pass%s: seconds per pass%s" % (fleet, " (log scale)" if log else "")
    subtitle = "docs/%s (./ipai bench migrate)" % source
    if "parallel" in data:
        subtitle += "; parallel %s" % data["parallel"]
    if machine(data):
        subtitle += "; " + machine(data)
    svg = Svg(title)
    header(svg, title, subtitle)

    left, right, top, bottom = 90, WIDTH - 40, 70, HEIGHT - 92
    if log:
        lo_exp = math.floor(math.log10(min(positive)))
        hi_exp = math.ceil(math.log10(max(positive)))
        if hi_exp == math.log10(max(positive)):
            hi_exp += 1  # room for the label above the tallest bar
        if hi_exp - math.log10(max(positive)) < 0.3:
            hi_exp += 1

        def sy(v):
            return bottom - (bottom - top) * (math.log10(v) - lo_exp) / float(hi_exp - lo_exp)

        for exp in range(lo_exp, hi_exp + 1):
            value = 10.0 ** exp
            svg.line(left, sy(value), right, sy(value), stroke="#d6d6d6", stroke_width=1)
            svg.line(left - 5, sy(value), left, sy(value), stroke=AXIS, stroke_width=1)
            label = ("%.*f" % (max(0, -exp), value)) if exp < 0 else thousands(value)
            svg.text(left - 8, sy(value) + 4, label, size=11, anchor="end")
            if exp < hi_exp:
                for minor in range(2, 10):
                    y = sy(value * minor)
                    svg.line(left, y, right, y, stroke="#f0f0f0", stroke_width=1)
                    svg.line(left - 3, y, left, y, stroke=AXIS, stroke_width=0.8)
        base = 10.0 ** lo_exp
        y_label = "seconds per pass (log scale)"
    else:
        ticks, step = linear_ticks(0.0, max(s for _, s, _ in bars) * 1.12, 5)
        y_top = ticks[-1]

        def sy(v):
            return bottom - (bottom - top) * v / y_top

        digits = decimals_for(step)
        for t in ticks:
            svg.line(left, sy(t), right, sy(t), stroke=GRID, stroke_width=1)
            svg.line(left - 5, sy(t), left, sy(t), stroke=AXIS, stroke_width=1)
            svg.text(left - 8, sy(t) + 4, "%.*f" % (digits, t), size=11, anchor="end")
        base = 0.0
        y_label = "seconds per pass"
    svg.text(22, (top + bottom) / 2, y_label, size=12, anchor="middle", rotate=-90)

    slot = (right - left) / float(len(bars))
    width = min(150.0, slot * 0.5)
    for index, (name, seconds, entry) in enumerate(bars):
        colour = COLOURS[index % len(COLOURS)]
        cx = left + slot * (index + 0.5)
        y = sy(seconds) if seconds > 0 or not log else bottom
        svg.rect(cx - width / 2, y, width, sy(base) - y, fill=colour)
        shown = ("%.3f" % seconds) if seconds < 1 else ("%.1f" % seconds)
        svg.text(cx, y - 8, shown + " s", size=14, anchor="middle", weight="bold")
        svg.text(cx, bottom + 20, name, size=fit(name, 13, slot - 10), anchor="middle", weight="bold")
        facts = []
        if isinstance(entry.get("current"), int):
            facts.append("%s current" % thousands(entry["current"]))
        if isinstance(entry.get("ran"), int):
            facts.append("%s ran" % thousands(entry["ran"]))
        if isinstance(entry.get("failed"), int):
            facts.append("%s failed" % thousands(entry["failed"]))
        if facts:
            svg.text(cx, bottom + 38, ", ".join(facts), size=11, anchor="middle", fill=MUTED)
    plot_frame(svg, left, top, right, bottom)
    svg.text((left + right) / 2, HEIGHT - 18,
             "pass over the fleet (in one run, one after the other); current = already up to date, not re-run",
             size=12, anchor="middle")
    write(target, svg)


def main(argv):
    if len(argv) > 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    provision_growth()
    migrate_fleet()
    migrate_fleet("bench-migrate-1000-new-script.json", "migrate-new-script.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
