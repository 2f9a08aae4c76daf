"""The islands inset: Açores and Madeira moved and scaled into framed boxes off the mainland's west coast,
so that one map shows the whole country at a useful scale and fills its frame (a step of the geo build,
etl/geo.py: the app serves the result as a static file and never computes geometry per request).

`inset_layer(feature_collection)` -> {"geojson", "bounds", "frames"} or None for a layer without both
archipelagos (the tile map). A feature belongs to the Açores if its bounding box is centred west of 20° W,
to Madeira if south of 34° N and west of 12° W. All lengths are in degrees.
"""
from __future__ import annotations

import math


def _points(c, xs: list, ys: list) -> None:
    if c and isinstance(c[0], (int, float)):
        xs.append(c[0]), ys.append(c[1])
    else:
        for cc in c:
            _points(cc, xs, ys)


def _fid(f: dict) -> str:
    return str(f.get("id") if "id" in f else (f.get("properties") or {}).get("id"))


def part_of_bounds(b) -> str:
    """'raa' (Açores), 'ram' (Madeira) or 'continente' for a feature's bounding box."""
    x, y = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    return "raa" if x < -20 else "ram" if y < 34 and x < -12 else "continente"


def inset_layer(gj: dict) -> dict | None:
    feats = gj.get("features") or []
    fb = {}
    for f in feats:
        xs, ys = [], []
        _points((f.get("geometry") or {}).get("coordinates") or [], xs, ys)
        if xs:
            fb[_fid(f)] = (min(xs), min(ys), max(xs), max(ys))
    part_of = {i: part_of_bounds(b) for i, b in fb.items()}
    if not {"raa", "ram"} <= set(part_of.values()):
        return None
    return _inset(gj, feats, _fid, fb, part_of)


# Insets: Açores and Madeira drawn in framed boxes in a column west of the mainland, so one map shows
# the whole country at a useful scale and fills its frame. All lengths in degrees.
#: the column of island boxes: width as a share of the mainland's width, gap to the mainland
INSET_COLUMN = 1.15
INSET_GAP = 0.3
#: inside a frame, around the islands
INSET_PAD = 0.12
#: Madeira's box width as a share of the column (Açores takes the whole width, at the top)
INSET_MADEIRA = 0.62
#: far-off islets left out of the insets (the Selvagens, south of 31.5° N)
INSET_MIN_LAT = 31.5
#: an island (its own municipality) whose longest side is under this is drawn at this size, about its
#: centre (Corvo, 6 km, and Graciosa: otherwise specks whose colour cannot be read on a phone)
ISLAND_MIN = 0.15
#: islands further apart than this (longitude) form separate groups (Açores: western, central and
#: eastern groups), which the inset moves to this distance from each other
ISLAND_GROUP_GAP = 1.0
ISLAND_GROUP_SPACING = 0.25


def _island_groups(polys: list) -> list[dict]:
    """Polygons -> islands (bounding boxes within 0.02° of each other) -> groups (islands less than
    ISLAND_GROUP_GAP apart in longitude). Each polygon is a dict with 'bb' and 'main' (the largest
    polygon of its feature); returns groups as {'islands': [{'polys', 'bb', 'main'}], 'bb'}."""
    def near(a, b, eps=0.02):
        return a[0] - eps <= b[2] and b[0] - eps <= a[2] and a[1] - eps <= b[3] and b[1] - eps <= a[3]

    def union(bbs):
        return (min(b[0] for b in bbs), min(b[1] for b in bbs), max(b[2] for b in bbs), max(b[3] for b in bbs))
    parent = list(range(len(polys)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i in range(len(polys)):
        for j in range(i + 1, len(polys)):
            if near(polys[i]["bb"], polys[j]["bb"]):
                parent[root(i)] = root(j)
    by: dict[int, list] = {}
    for i, p in enumerate(polys):
        by.setdefault(root(i), []).append(p)
    islands = sorted(({"polys": ps, "bb": union([p["bb"] for p in ps]), "main": any(p["main"] for p in ps)}
                      for ps in by.values()), key=lambda isl: isl["bb"][0])
    groups: list[dict] = []
    for isl in islands:
        if groups and isl["bb"][0] - groups[-1]["bb"][2] <= ISLAND_GROUP_GAP:
            groups[-1]["islands"].append(isl)
            groups[-1]["bb"] = union([groups[-1]["bb"], isl["bb"]])
        else:
            groups.append({"islands": [isl], "bb": isl["bb"]})
    return groups


def _inset(gj: dict, feats: list, fid, fb: dict, part_of: dict) -> dict:
    """The layer with the islands moved into framed boxes west of the mainland: geojson, bounds,
    frames. Per box: tiny islands enlarged to ISLAND_MIN, distant island groups moved closer, then one
    scale (lat corrected for the Mercator stretch at the new latitude) into the box."""

    def pts(c, acc):
        if c and isinstance(c[0], (int, float)):
            acc.append(c)
        else:
            for cc in c:
                pts(cc, acc)
        return acc

    def bbox(c):
        a = pts(c, [])
        return (min(q[0] for q in a), min(q[1] for q in a), max(q[0] for q in a), max(q[1] for q in a))

    # every island polygon, by part
    polys: dict[str, list] = {"raa": [], "ram": []}
    for f in feats:
        p = part_of.get(fid(f))
        g = f.get("geometry") or {}
        if p not in polys or not g.get("coordinates"):
            continue
        rings = g["coordinates"] if g.get("type") == "MultiPolygon" else [g["coordinates"]]
        keep = [k for k, poly in enumerate(rings) if any(pt[1] >= INSET_MIN_LAT for ring in poly for pt in ring)]
        keep = keep or list(range(len(rings)))
        bbs = {k: bbox(rings[k]) for k in keep}
        largest = max(keep, key=lambda k: (bbs[k][2] - bbs[k][0]) * (bbs[k][3] - bbs[k][1]))
        for k in keep:
            polys[p].append({"fid": fid(f), "k": k, "bb": bbs[k], "main": k == largest})

    main = [b for i, b in fb.items() if part_of[i] == "continente"]
    mx0, my0 = min(b[0] for b in main), min(b[1] for b in main)
    mx1, my1 = max(b[2] for b in main), max(b[3] for b in main)
    width = INSET_COLUMN * (mx1 - mx0)
    right = mx0 - INSET_GAP
    left = right - width
    moves: dict[tuple, callable] = {}            # (feature id, polygon index) -> point transform
    frames = []
    top = my1
    for part in ("raa", "ram"):
        groups = _island_groups(polys[part])
        # 1. tiny islands enlarged about their centre; 2. groups moved next to the largest one
        anchor = max(groups, key=lambda g: (g["bb"][2] - g["bb"][0]) * (g["bb"][3] - g["bb"][1]))
        acy = (anchor["bb"][1] + anchor["bb"][3]) / 2
        step, x_next = [], None
        for g in groups:
            dx = 0.0 if x_next is None else x_next - g["bb"][0]
            dy = 0.5 * (acy - (g["bb"][1] + g["bb"][3]) / 2)
            for isl in g["islands"]:
                b = isl["bb"]
                side = max(b[2] - b[0], b[3] - b[1])
                f = ISLAND_MIN / side if isl["main"] and 0 < side < ISLAND_MIN else 1.0
                c = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
                step.append((isl, f, c, dx, dy))
            x_next = g["bb"][2] + dx + ISLAND_GROUP_SPACING
        nb = []
        for isl, f, c, dx, dy in step:
            b = isl["bb"]
            nb.append((c[0] + (b[0] - c[0]) * f + dx, c[1] + (b[1] - c[1]) * f + dy,
                       c[0] + (b[2] - c[0]) * f + dx, c[1] + (b[3] - c[1]) * f + dy))
        cx0, cy0 = min(b[0] for b in nb), min(b[1] for b in nb)
        cx1, cy1 = max(b[2] for b in nb), max(b[3] for b in nb)
        # 3. into the box: Açores across the column's top, Madeira at its bottom right
        w = width if part == "raa" else INSET_MADEIRA * width
        s = (w - 2 * INSET_PAD) / (cx1 - cx0)
        src_lat = (cy0 + cy1) / 2
        dst_lat = top - w / 2 if part == "raa" else my0 + w / 2
        for _ in range(3):  # the height depends on the stretch at the new latitude, and vice versa
            r = math.cos(math.radians(src_lat)) / math.cos(math.radians(dst_lat))
            h = (cy1 - cy0) * s * r + 2 * INSET_PAD
            dst_lat = top - h / 2 if part == "raa" else my0 + h / 2
        if part == "raa":
            fr = (left, top - h, right, top)
            top = top - h - INSET_GAP
        else:
            if my0 + h > top:  # never overlap the Açores box
                k = (top - my0 - 2 * INSET_PAD) / (h - 2 * INSET_PAD)
                s, h, w = s * k, top - my0, 2 * INSET_PAD + (w - 2 * INSET_PAD) * k
            fr = (right - w, my0, right, my0 + h)
        frames.append((part, fr))
        ox, oy = fr[0] + INSET_PAD, fr[1] + INSET_PAD
        for isl, f, c, dx, dy in step:
            def mv(q, f=f, c=c, dx=dx, dy=dy, s=s, r=r, ox=ox, oy=oy, cx0=cx0, cy0=cy0):
                x = c[0] + (q[0] - c[0]) * f + dx
                y = c[1] + (q[1] - c[1]) * f + dy
                return [round(ox + (x - cx0) * s, 4), round(oy + (y - cy0) * s * r, 4)]
            for p in isl["polys"]:
                moves[(p["fid"], p["k"])] = mv

    def move(c, fn):
        if c and isinstance(c[0], (int, float)):
            return fn(c)
        return [move(cc, fn) for cc in c]
    out = []
    for f in feats:
        i = fid(f)
        if part_of.get(i) in polys:
            g = f.get("geometry") or {}
            multi = g.get("type") == "MultiPolygon"
            rings = g["coordinates"] if multi else [g["coordinates"]]
            new = [move(poly, moves[(i, k)]) for k, poly in enumerate(rings) if (i, k) in moves]
            g = {"type": "MultiPolygon", "coordinates": new} if multi else dict(g, coordinates=new[0])
            f = dict(f, geometry=g)
        out.append(f)
    xs = [v for _, fr in frames for v in (fr[0], fr[2])] + [mx0, mx1]
    ys = [v for _, fr in frames for v in (fr[1], fr[3])] + [my0, my1]
    return {"geojson": dict(gj, features=out), "bounds": [min(xs), min(ys), max(xs), max(ys)],
            "frames": [[part, list(fr)] for part, fr in frames]}
