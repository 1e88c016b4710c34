"""One identity label per person across a shot, and names from reference photos.

Tracks are clustered by their mean embeddings (average linkage, merge while the closest pair of
clusters is nearer than ``same_person``), under one hard rule: two tracks that share a frame are two
people, so clusters whose tracks overlap in time are never merged. Clusters are labelled
``person1``, ``person2``... in order of first appearance; a cluster whose embedding lies within
``same_person`` of a reference photo's takes the reference's name instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from faceplate.nodes.facedetect.tracker import SAME_PERSON, Track


def _overlap(a: list[Track], b: list[Track]) -> bool:
    return any(set(x.frames) & set(y.frames) for x in a for y in b)


def _distance(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(np.mean([np.linalg.norm(x - y) for x in a for y in b]))


def cluster(tracks: Sequence[Track], same_person: float = SAME_PERSON) -> list[list[Track]]:
    """Groups of tracks of one person each, ordered by first appearance."""
    clusters = [[t] for t in tracks if t.embedding() is not None]
    unembedded = [[t] for t in tracks if t.embedding() is None]
    while True:
        best, pair = same_person, None
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                if _overlap(clusters[i], clusters[j]):
                    continue
                d = _distance([t.embedding() for t in clusters[i]], [t.embedding() for t in clusters[j]])
                if d < best:
                    best, pair = d, (i, j)
        if pair is None:
            break
        i, j = pair
        clusters[i] += clusters.pop(j)
    groups = clusters + unembedded
    return sorted(groups, key=lambda g: min(t.first for t in g))


def label(
    tracks: Sequence[Track], references: Mapping[str, np.ndarray] | None = None, same_person: float = SAME_PERSON
) -> dict[str, np.ndarray | None]:
    """Sets ``track.identity`` on every track; returns ``{label: mean embedding}``.

    A reference name goes to each cluster within ``same_person`` of it, nearest first, never to two
    clusters that share a frame.
    """
    groups = cluster(tracks, same_person)
    embeddings = []
    for group in groups:
        found = [t.embedding() for t in group if t.embedding() is not None]
        embeddings.append(np.mean(found, axis=0) if found else None)
    names: dict[int, str] = {}
    pairs = sorted(
        (float(np.linalg.norm(e - ref)), g, name)
        for g, e in enumerate(embeddings)
        if e is not None
        for name, ref in (references or {}).items()
    )
    for distance, g, name in pairs:
        if distance >= same_person or g in names:
            continue
        holders = [h for h, n in names.items() if n == name]
        if any(_overlap(groups[g], groups[h]) for h in holders):
            continue
        names[g] = name
    out: dict[str, np.ndarray | None] = {}
    counter = 0
    for g, group in enumerate(groups):
        if g in names:
            name = names[g]
        else:
            counter += 1
            name = f"person{counter}"
            while name in (references or {}):
                counter += 1
                name = f"person{counter}"
        for track in group:
            track.identity = name
        out[name] = embeddings[g]
    return out
