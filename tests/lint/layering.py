#!/usr/bin/env python3
"""layering.py BUILD_DIR: the architecture rules of pipeline/ and infer/,
checked on the objects of a build with nm (who defines a symbol, who uses it):

  - no stage folder (select, fetch, sample, layout, score) uses a symbol
    defined in another stage folder;
  - a folder uses only folders below it: common < config < media < run,
    stages (run and the stages may use common, config, media) < serve (the
    review app, above the stages: it may use them, score's public API);
  - no call cycle between files, nor between folders, of pipeline/ and infer/.

Prints each violation and exits 1; exits 0 when the rules hold."""
import os, subprocess, sys

ORDER = {"common": 0, "config": 1, "media": 2, "run": 3,
         "select": 3, "fetch": 3, "sample": 3, "layout": 3, "score": 3, "serve": 4}
STAGES = {"select", "fetch", "sample", "layout", "score"}


def objects(build):
    """{(area, folder, file): path} for every object of pipeline/ and infer/."""
    found = {}
    for root, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, build).split(os.sep)
            if rel[0] == "pipeline" and len(rel) >= 4:
                found[("pipeline", rel[1], f[:-4])] = path
            elif rel[0] == "infer" and "cxrinfer_obj.dir" in rel:
                found[("infer", "infer", f[:-4])] = path
    return found


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
    return defined, used


def cycles(edges):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def main():
    build = sys.argv[1]
    objs = objects(build)
    if len(objs) < 20:
        print(f"layering: only {len(objs)} objects found under {build}")
        return 1
    owner, uses = {}, {}
    for key, path in objs.items():
        defined, used = symbols(path)
        for s in defined:
            owner[s] = key
        uses[key] = used
    bad = []
    file_edges, folder_edges = {}, {}
    for key, used in uses.items():
        for s in used:
            dep = owner.get(s)
            if not dep or dep == key:
                continue
            file_edges.setdefault(key, set()).add(dep)
            src, dst = key[1], dep[1]
            if key[0] != dep[0]:
                continue  # the pipeline uses the engine through its public API
            if src == dst:
                continue
            folder_edges.setdefault(src, set()).add(dst)
            if src in STAGES and dst in STAGES:
                bad.append(f"stage '{src}' ({key[2]}.c) uses '{s}' of stage '{dst}' ({dep[2]}.c)")
            elif key[0] == "pipeline" and ORDER.get(dst, 9) >= ORDER.get(src, 9):
                bad.append(f"'{src}' ({key[2]}.c) uses '{s}' of '{dst}' ({dep[2]}.c), "
                           f"which is not a layer below it")
    for comp in cycles(file_edges):
        bad.append("call cycle between files: " + ", ".join((f"{a}/{b}/{c}.c" if a == "pipeline" else f"{a}/{c}.c") for a, b, c in comp))
    for comp in cycles(folder_edges):
        bad.append("call cycle between folders: " + ", ".join(comp))
    for line in bad:
        print("layering:", line)
    print(f"layering: {len(objs)} objects, {sum(len(e) for e in file_edges.values())} "
          f"file dependencies, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
