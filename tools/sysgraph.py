#!/usr/bin/env python3
"""sysgraph.py: draws a Cairn system description (`make graph`).

    sysgraph.py systems/<name>.toml OUT     OUT.dot, and OUT.svg if Graphviz's dot is installed

Components are boxes labelled with their priority, an import an edge to its exporter
(the booter, or "(granted)" from a parent), ports dashed edges, segments and
subsystems their own shapes, a PCI device a node joined to its driver, a data region a
cylinder joined to its sharers. A legend in the corner says so (LEGEND).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema  # noqa: E402
import system  # noqa: E402


# The legend drawn beside every graph: each mark and what it means, in the order
# graph() draws them. Priorities: the booter runs the highest number first.
LEGEND = [
    ("box", "component; prio 0..255, the higher runs first"),
    ("solid arrow", "imports: client -> server, labelled interface()"),
    ("dashed arrow", "port: from -> to (sync or async)"),
    ("bold line", "drives a PCI device"),
    ("cylinder", "data region; dotted lines to its sharers"),
    ("tab", "segment; dotted lines to its users"),
    ("folder", "subsystem, or the RTOS's processes"),
]


def legend():
    """The legend's node: a table of LEGEND, in a cluster of its own."""
    rows = "".join(f'<tr><td align="left"><b>{mark}</b></td><td align="left">{meaning}</td></tr>'
                   for mark, meaning in LEGEND)
    rows = rows.replace("->", "&rarr;")
    return ['  subgraph cluster_legend { label="legend"; fontname="Helvetica"; style=dashed;',
            f'    "legend" [shape=plaintext, label=<<table border="0" cellspacing="2">{rows}</table>>];',
            "  }"]


def graph(data):
    """The Graphviz text of a checked description (system.load's data)."""
    lines = [f'digraph "{data["system"]["name"]}" {{', "  rankdir=LR;",
             '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=11];']
    exporters = {x: c["name"] for c in data.get("component", []) for x in c.get("exports", [])}
    for c in data.get("component", []):
        lines.append(f'  "{c["name"]}" [label="{c["name"]}\\nprio {schema.get("component", c, "priority")}"];')
        for x in c.get("imports", []):
            server = exporters.get(x, "booter" if x in system.BOOTER_IFACES else "(granted)")
            lines.append(f'  "{c["name"]}" -> "{server}" [label="{x}()"];')
    for p in data.get("port", []):
        lines.append(f'  "{p["from"]}" -> "{p["to"]}" [label="{p["name"]} ({schema.get("port", p, "mode")})",'
                     ' style=dashed];')
    for c in data.get("component", []):
        for e in c.get("devices", []):
            node = f'dev:{c["name"]}:{system.device_text(e)}'
            lines.append(f'  "{node}" [label="PCI {system.device_text(e)}", shape=cds];')
            lines.append(f'  "{c["name"]}" -> "{node}" [label="drives", style=bold, arrowhead=none];')
    for r in data.get("region", []):
        dma = f', DMA by {r["dma"]}' if "dma" in r else ""
        lines.append(f'  "region:{r["name"]}" [label="region {r["name"]}\\n{r["size"]}{dma}", shape=cylinder];')
        for x in r["share"]:
            lines.append(f'  "{x}" -> "region:{r["name"]}" [style=dotted, arrowhead=none];')
    for s in data.get("segment", []):
        lines.append(f'  "seg:{s["name"]}" [label="segment {s["name"]}\\n{s["base"]:#x}", shape=component];')
    for c in data.get("component", []):
        for x in c.get("segments", []):
            lines.append(f'  "{c["name"]}" -> "seg:{x}" [style=dotted, arrowhead=none];')
    for s in data.get("subsystem", []):
        if "programs" in s:
            lines.append(f'  "programs" [label="RTOS processes\\n{", ".join(s["programs"])}", shape=folder];')
            lines.append(f'  "rtos" -> "programs" [label="runs", style=dotted];')
            continue
        lines.append(f'  "{s["name"]}" [label="subsystem {s["name"]}\\n{s.get("memory")}, '
                     f'grants {", ".join(s.get("grants", [])) or "nothing"}", shape=folder];')
        lines.append(f'  "{s["parent"]}" -> "{s["name"]}" [label="boots", style=dotted];')
    lines += legend()
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    try:
        data, _ = system.load(argv[1])
    except system.DescError as e:
        sys.exit(str(e))
    out = argv[2]
    with open(out + ".dot", "w") as f:
        f.write(graph(data))
    try:
        subprocess.run(["dot", "-Tsvg", "-o", out + ".svg", out + ".dot"], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"dot failed: {e}")


if __name__ == "__main__":
    main(sys.argv)
