"""Write madmix domain statistics as safetensors with numpy only (no safetensors package).

Usage: python3 write_stats.py OUT.safetensors
"""
import json
import struct
import sys

import numpy as np


def write_stats(path, domains, stats, modalities=None, sizes=None, meta=None):
    """Write `stats` = {modality: (sums [k, d], counts [k])}, rows in `domains` order.

    A domain without a modality gets count 0 and a zero sum row.
    """
    tensors = {}
    for name, (sums, counts) in stats.items():
        tensors[f"sum.{name}"] = ("F64", np.ascontiguousarray(sums, dtype="<f8"))
        tensors[f"count.{name}"] = ("I64", np.ascontiguousarray(counts, dtype="<i8"))

    compact = {"separators": (",", ":")}
    metadata = {
        "domains": json.dumps(domains, **compact),
        "format": "madmix.stats/1",
    }
    if meta:
        metadata["meta"] = json.dumps(dict(sorted(meta.items())), **compact)
    metadata["modalities"] = json.dumps({m: (modalities or {}).get(m, {}) for m in stats}, **compact)
    if sizes:
        metadata["sizes"] = json.dumps(sizes, **compact)

    header = {"__metadata__": metadata}
    offset = 0
    for name in sorted(tensors):
        dtype, array = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes

    header_bytes = json.dumps(header, **compact).encode("utf-8")
    header_bytes += b" " * (-(8 + len(header_bytes)) % 8)  # pad so the data starts 8-byte aligned
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        for name in sorted(tensors):
            out.write(tensors[name][1].tobytes())


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    domains = ["charts", "docs", "language"]
    image = rng.standard_normal((2, 100, 8))  # per-sample embeddings of the two image domains
    text = rng.standard_normal((3, 100, 8))
    write_stats(
        sys.argv[1],
        domains,
        {
            "image": (np.vstack([image.sum(axis=1), np.zeros((1, 8))]), [100, 100, 0]),
            "text": (text.sum(axis=1), [100, 100, 100]),
        },
        modalities={"image": {"model": "demo-encoder", "layer": "pooled"}},
        sizes=[{"samples": 5000}, {"samples": 1200}, {"tokens": 900000}],
        meta={"seed": "0"},
    )
