#!/usr/bin/env python3
"""Checks the #include graph of server/ and client/ against docs/ARCHITECTURE.md.

A module is a folder under server/ (common, domain, store, ...) or client/. An edge A -> B means
a file of A includes "B/...". The allowed edges are the lines of the fenced block that follows
the heading "### Allowed includes" in docs/ARCHITECTURE.md, one "A -> B, C" per line; that list
is the architecture's single source. Fails, naming each, on an edge the code has and the list
does not, and on a listed edge the code no longer has (so the list stays exact).

  tools/checks/include_graph.py [REPO_ROOT]        # exit 0 when code and list agree
  tools/checks/include_graph.py --print [REPO_ROOT] # the code's edges in the list's format
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"', re.M)
SOURCE_SUFFIXES = {".h", ".hpp", ".cc", ".cpp"}
HEADING = "### Allowed includes"


def modules(root):
    server = root / "server"
    found = {p.name: p for p in sorted(server.iterdir()) if p.is_dir()}
    found["client"] = root / "client"
    return found


def code_edges(root):
    mods = modules(root)
    edges = {}
    for name, folder in mods.items():
        targets = set()
        for path in sorted(folder.rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES:
                continue
            for first in INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace")):
                if first in mods and first != name:
                    targets.add(first)
        edges[name] = targets
    return edges


def listed_edges(doc_path):
    text = doc_path.read_text(encoding="utf-8")
    start = text.find(HEADING)
    if start < 0:
        raise SystemExit(f"{doc_path}: no '{HEADING}' section")
    block = re.search(r"```[^\n]*\n(.*?)```", text[start:], re.S)
    if not block:
        raise SystemExit(f"{doc_path}: '{HEADING}' has no fenced block")
    edges = {}
    for number, line in enumerate(block.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "->" not in line:
            raise SystemExit(f"{doc_path}: allowed-includes line {number} is not 'A -> B, C': {line}")
        source, targets = (part.strip() for part in line.split("->", 1))
        names = {t.strip() for t in targets.split(",") if t.strip() and t.strip() != "(none)"}
        if source in edges:
            raise SystemExit(f"{doc_path}: module {source} is listed twice")
        edges[source] = names
    return edges


def main(argv):
    args = [a for a in argv[1:] if a != "--print"]
    root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parents[2])
    code = code_edges(root)
    if "--print" in argv:
        for name in sorted(code):
            print(f"{name} -> {', '.join(sorted(code[name])) or '(none)'}")
        return 0
    allowed = listed_edges(root / "docs" / "ARCHITECTURE.md")
    problems = []
    for name in sorted(code):
        if name not in allowed:
            problems.append(f"module {name} is not in the allowed list")
            continue
        for target in sorted(code[name] - allowed[name]):
            problems.append(f"{name} -> {target}: included by the code, not allowed")
        for target in sorted(allowed[name] - code[name]):
            problems.append(f"{name} -> {target}: allowed, but no longer included (remove it)")
    for name in sorted(set(allowed) - set(code)):
        problems.append(f"module {name} is listed but does not exist")
    for p in problems:
        print(f"include_graph: {p}", file=sys.stderr)
    if problems:
        print("include_graph: fix the include or edit '### Allowed includes' in "
              "docs/ARCHITECTURE.md", file=sys.stderr)
        return 1
    print(f"include_graph: {sum(len(t) for t in code.values())} edges between "
          f"{len(code)} modules, all allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
