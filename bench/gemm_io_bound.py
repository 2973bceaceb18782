#!/usr/bin/env python3
"""An upper bound on a BF16 GEMM's MAC utilisation on a chip of T tiles, from its data movement alone (no kernel
is assumed): every way of cutting C = A x B over the tiles (gm x gn x gk = T; a k-split's FP32 partial sums
reduce-scattered between the gk tiles of a group) is priced as the slowest of
  - the array: bm x ceil(bn / cols) x ceil(kp / rows) cycles (weight-stationary, ragged blocks padded),
  - the tile's DMA: its A and B blocks in, the partial-sum exchange in and out, its share of C out, at dma B/cycle,
  - the HBM: every tile's A and B blocks read from HBM (no sharing between tiles) at the HBM's B/cycle,
and the best cut is the bound. A layer's bound adds its GEMMs and counts attention at the array's peak and the
norms as free, so the real kernels can only do worse.

The tighter bound ("with the floors that are not free") also prices
  - attention at the slower of the arrays' peak and the vector unit's softmax: six passes over every score row
    (rowmax, subtract, exp, rowsum, scale, convert to BF16) at `lanes` elements a cycle, the heads' rows spread over
    the tiles;
  - each residual + layernorm pass at the slower of its bytes through a tile's DMA (its share of the rows) and
    through the HBM (all of them). The bound takes the fewest bytes the layer's interface allows: layernorm 1 reads
    x (BF16) and writes y in BF16 for the FFN (4 bytes an element: the GEMM output it reads already on its tile, y
    in FP32 kept there for layernorm 2's residual), layernorm 2 writes the FP32 output (4 bytes). The script also
    prices the bytes of today's kernel (Wo's and FFN down's outputs land on chip; layernorm 1 writes y in FP32 and
    BF16, layernorm 2 reads y back: 8 and 8 bytes) and of the GEMM outputs through the HBM (layernorm 1 reads Wo's
    FP32 output too: 12 bytes; layernorm 2 FFN down's `splits` FP32 partial products: 4 x splits + 8);
  - the vector unit's passes of the norms are not counted: they overlap the norms' DMA.

  gemm_io_bound.py [--tiles 32] [--array 64] [--dma 64] [--hbm 1638.4] [--lanes 64] [--heads 12] [--splits 4]
                   [--seq 384 128]
"""
import argparse
import math


def gemm_bound(m, n, k, tiles, array, dma, hbm):
    best = None
    for gk in (1, 2, 4, 8, 16, 32):
        for gm in range(1, tiles + 1):
            if tiles % (gk * gm):
                continue
            gn = tiles // (gk * gm)
            bm, bn, kp = math.ceil(m / gm), math.ceil(n / gn), math.ceil(k / gk)
            array_cycles = bm * math.ceil(bn / array) * math.ceil(kp / array)
            ingest = (bm * kp + kp * bn) * 2
            exchange = (gk - 1) / gk * bm * bn * 4 * 2 if gk > 1 else 0
            dma_cycles = (ingest + exchange + bm * bn * 2 / gk) / dma
            hbm_cycles = tiles * ingest / hbm
            cycles = max(array_cycles, dma_cycles, hbm_cycles)
            if best is None or cycles < best[0]:
                best = (cycles, f"{gm}x{gn}x{gk}", array_cycles, dma_cycles, hbm_cycles)
    return best


def norm_cycles(rows, cols, bytes_per_element, tiles, dma, hbm):
    """A row pass moving bytes_per_element per element: the slower of a tile's share through its DMA and all of it
    through the HBM."""
    share = math.ceil(rows / tiles)
    return max(share * cols * bytes_per_element / dma, rows * cols * bytes_per_element / hbm)


def attention_cycles(seq, hidden, heads, tiles, array, lanes):
    """The arrays' peak (QK^T and PV) against the softmax's six vector passes over each score row."""
    peak = tiles * array * array
    array_cycles = 2 * seq * seq * hidden / peak
    vector_cycles = math.ceil(heads * seq / tiles) * 6 * math.ceil(seq / lanes)
    return array_cycles, vector_cycles


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tiles", type=int, default=32)
    p.add_argument("--array", type=int, default=64)
    p.add_argument("--dma", type=float, default=64, help="a tile's DMA, bytes per cycle")
    p.add_argument("--hbm", type=float, default=1638.4, help="the HBM, bytes per cycle")
    p.add_argument("--lanes", type=int, default=64, help="the vector unit's lanes")
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--splits", type=int, default=4,
                   help="FFN down's k splits (partial products layernorm 2 reads when they go through the HBM)")
    p.add_argument("--seq", type=int, nargs="+", default=[384, 128])
    a = p.parse_args()
    peak = a.tiles * a.array * a.array
    hidden, ffn = 768, 3072  # BERT-base
    for seq in a.seq:
        shapes = {"QKV": (seq, 3 * hidden, hidden), "Wo": (seq, hidden, hidden), "FFN up": (seq, ffn, hidden),
                  "FFN down": (seq, hidden, ffn)}
        bound = ideal = 0
        print(f"BERT-base layer, seq {seq}, {a.tiles} tiles of {a.array}x{a.array}, DMA {a.dma} B/cycle, "
              f"HBM {a.hbm} B/cycle")
        for name, (m, n, k) in shapes.items():
            cycles, cut, array_cycles, dma_cycles, hbm_cycles = gemm_bound(m, n, k, a.tiles, a.array, a.dma, a.hbm)
            macs = m * n * k
            bound += cycles
            ideal += macs / peak
            print(f"  {name:9s} {m}x{n}x{k}: at most {100 * macs / peak / cycles:5.1f}% (cut {cut}: array "
                  f"{array_cycles:.0f}, DMA {dma_cycles:.0f}, HBM {hbm_cycles:.0f} cycles)")
        attention = 2 * seq * seq * hidden / peak
        print(f"  layer: at most {100 * (ideal + attention) / (bound + attention):.1f}% "
              f"(attention at peak, norms free)")
        att_array, att_vector = attention_cycles(seq, hidden, a.heads, a.tiles, a.array, a.lanes)
        print(f"  attention: array {att_array:.0f}, softmax on the vector unit {att_vector:.0f} cycles")
        for label, ln1_bytes, ln2_bytes in (("the fewest bytes", 4, 4), ("today's kernel's bytes", 8, 8),
                                            ("GEMM outputs through the HBM", 12, 4 * a.splits + 8)):
            ln1 = norm_cycles(seq, hidden, ln1_bytes, a.tiles, a.dma, a.hbm)
            ln2 = norm_cycles(seq, hidden, ln2_bytes, a.tiles, a.dma, a.hbm)
            tight = bound + max(att_array, att_vector) + ln1 + ln2
            print(f"  layer: at most {100 * (ideal + attention) / tight:.1f}% ({tight:.0f} cycles: GEMMs {bound:.0f}, "
                  f"attention {max(att_array, att_vector):.0f}, layernorms {ln1:.0f} + {ln2:.0f} with {label})")


if __name__ == "__main__":
    main()
