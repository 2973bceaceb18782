#!/usr/bin/env python3
"""An upper bound on a BF16 GEMM's MAC utilisation on a chip of T tiles, from its data movement alone (no kernel
is assumed): every way of cutting C = A x B over the tiles (gm x gn x gk = T; a k-split's FP32 partial sums
reduce-scattered between the gk tiles of a group) is priced as the slowest of
  - the array: bm x ceil(bn / cols) x ceil(kp / rows) cycles (weight-stationary, ragged blocks padded),
  - the tile's DMA: its A and B blocks in, the partial-sum exchange in and out, its share of C out, at dma B/cycle,
  - the HBM: every tile's A and B blocks read from HBM (no sharing between tiles) at the HBM's B/cycle,
and the best cut is the bound. A layer's bound adds its GEMMs and counts attention at the array's peak and the
norms as free, so the real kernels can only do worse.

  gemm_io_bound.py [--tiles 32] [--array 64] [--dma 64] [--hbm 1638.4] [--seq 384 128]
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tiles", type=int, default=32)
    p.add_argument("--array", type=int, default=64)
    p.add_argument("--dma", type=float, default=64, help="a tile's DMA, bytes per cycle")
    p.add_argument("--hbm", type=float, default=1638.4, help="the HBM, bytes per cycle")
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


if __name__ == "__main__":
    main()
