#!/usr/bin/env python3
"""Check that libshmrpc's dependencies point down its layers.

usage: check-layers.py SRC_DIR ARCHIVE

SRC_DIR holds one folder per layer and a LAYERS file ("layer: may use
...", lower layers); ARCHIVE is the static library built from it.  Three
checks, each naming what breaks it:

  includes  every #include "x/..." in SRC_DIR/L/* names L or a layer L may
            use; an include with no layer folder is refused too (only the
            public "shmrpc.h" needs none);
  symbols   module A (an object file of layer L) uses a symbol of module B
            only if B's layer is L or one L may use (nm -A of ARCHIVE);
  cycles    no cycle among modules, whatever their layers.

Exit status 0 when all hold, 1 otherwise, 2 on bad usage.
"""
import collections
import os
import re
import subprocess
import sys


def read_layers(src):
    allowed = {}
    with open(os.path.join(src, "LAYERS")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, uses = line.partition(":")
            allowed[name.strip()] = set(uses.split())
    for name, uses in allowed.items():
        unknown = uses - allowed.keys()
        if unknown:
            sys.exit(f"LAYERS: {name} uses unknown layer(s) {sorted(unknown)}")
    return allowed


def may_use(allowed, a, b):
    return a == b or b in allowed.get(a, set())


def check_includes(src, allowed):
    bad = []
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for layer in sorted(allowed):
        folder = os.path.join(src, layer)
        if not os.path.isdir(folder):
            continue
        for fname in sorted(os.listdir(folder)):
            if not fname.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, fname)
            with open(path) as f:
                for no, line in enumerate(f, 1):
                    m = include.match(line)
                    if not m or m.group(1) == "shmrpc.h":
                        continue
                    target = m.group(1).split("/", 1)
                    where = f"{layer}/{fname}:{no}"
                    if len(target) != 2:
                        bad.append(f"{where}: #include \"{m.group(1)}\" names no layer folder")
                    elif target[0] not in allowed:
                        bad.append(f"{where}: #include \"{m.group(1)}\": no layer {target[0]}")
                    elif not may_use(allowed, layer, target[0]):
                        bad.append(f"{where}: {layer} may not include {m.group(1)} ({target[0]} is not below it)")
    return bad


def module_layers(src, allowed):
    layer_of = {}
    for layer in allowed:
        folder = os.path.join(src, layer)
        if os.path.isdir(folder):
            for fname in os.listdir(folder):
                if fname.endswith(".c"):
                    mod = fname[:-2]
                    if mod in layer_of:
                        sys.exit(f"two modules named {mod}: object names in the archive must be unique")
                    layer_of[mod] = layer
    return layer_of


def symbol_graph(archive):
    out = subprocess.run(["nm", "-A", archive], capture_output=True,
                         text=True, check=True).stdout
    defs, uses = {}, collections.defaultdict(set)
    for line in out.splitlines():
        parts = line.split(":", 2)
        if len(parts) < 3:
            continue
        mod = parts[1].rsplit(".", 1)[0]
        fields = parts[2].split()
        if len(fields) == 3 and fields[1] in "TDBRC":
            defs[fields[2]] = mod
        elif len(fields) == 2 and fields[0] == "U":
            uses[mod].add(fields[1])
    edges = collections.defaultdict(lambda: collections.defaultdict(list))
    for mod, syms in uses.items():
        for sym in syms:
            d = defs.get(sym)
            if d is not None and d != mod:
                edges[mod][d].append(sym)
    return edges


def check_symbols(edges, layer_of, allowed):
    bad = []
    for a in sorted(edges):
        for b in sorted(edges[a]):
            la, lb = layer_of.get(a), layer_of.get(b)
            if la is None or lb is None:
                bad.append(f"module {a if la is None else b} is in no layer folder")
            elif not may_use(allowed, la, lb):
                syms = ", ".join(sorted(edges[a][b])[:4])
                bad.append(f"{la}/{a} uses {lb}/{b} ({syms}): {lb} is not below {la}")
    return bad


def cycles(edges):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]
    nodes = sorted(set(edges) | {b for a in edges for b in edges[a]})

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strong(v)
    return found


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, archive = sys.argv[1], sys.argv[2]
    allowed = read_layers(src)
    layer_of = module_layers(src, allowed)
    edges = symbol_graph(archive)
    problems = check_includes(src, allowed) + check_symbols(edges, layer_of, allowed)
    problems += ["cycle: " + " <-> ".join(g) for g in cycles(edges)]
    for p in problems:
        print(p)
    if problems:
        return 1
    n = sum(len(v) for v in edges.values())
    print(f"layers hold: {len(layer_of)} modules in {len(allowed)} layers, {n} edges, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
