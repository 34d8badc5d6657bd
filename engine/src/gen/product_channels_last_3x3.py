"""Writes engine/src/main/java/org/sparkcnn/engine/ops/ProductChannelsLast3x3.java: ProductChannelsLast's tiles
with a 3x3 kernel's taps written out (all nine, or each kernel row's three in a loop over the rows). Edit this, not
the Java file, and rerun it from the repository's root:

    python3 engine/src/gen/product_channels_last_3x3.py
"""
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def tap(s, ind, label, w, j, shift, P, V):
    """One tap's lines: its V weight vectors at w + j*m, then one broadcast of X and V fmas per position."""
    s.append(f"{ind}// tap (ch, {label})")
    ws = []
    for vv in range(V):
        off = w if j == 0 else (f"{w} + m" if j == 1 else f"{w} + {j} * m")
        if vv == 1: off += " + L"
        elif vv > 1: off += f" + {vv} * L"
        ws.append(f"w{vv} = FloatVector.fromArray(F, aT, {off});")
    s.append(ind + " ".join(ws))
    for p in range(P):
        fm = " ".join(f"a{p}_{vv} = w{vv}.fma(v, a{p}_{vv});" for vv in range(V))
        s.append(f"{ind}v = FloatVector.broadcast(F, x[x{p} + {shift}]); {fm}")


def tile(name, P, V, doc, rows_loop):
    s=[]
    s.append(f"    /** {doc} */")
    s.append(f"    static void {name}(float[] x, int[] bases, int p0, int[] offs, int c, float[] aT, int m, int o0,")
    s.append(f"    {' ' * (len(name) + len('static void ('))}float[] a, int bOff, float[] y) {{")
    for p in range(P):
        s.append(f"        int x{p} = bases[p0{f' + {p}' if p else ''}];")
    s.append("        FloatVector " + ", ".join(f"s{v} = FloatVector.zero(F)" if v == 0 else f"s{v} = s0" for v in range(V)) + ";")
    s.append("        if (bOff >= 0) {")
    for v in range(V):
        off = "" if v == 0 else (" + L" if v == 1 else f" + {v} * L")
        s.append(f"            s{v} = FloatVector.fromArray(F, a, bOff + o0{off});")
    s.append("        }")
    for p in range(P):
        s.append("        FloatVector " + ", ".join(f"a{p}_{v} = s{v}" for v in range(V)) + ";")
    if not rows_loop:  # the nine shifts in locals
        s.append("        int " + ", ".join(f"t{j} = offs[{j}]" for j in range(9)) + ";  // tap (0, u, v) of channel 0; channel ch's is ch further")
    s.append("        FloatVector v, " + ", ".join(f"w{v}" for v in range(V)) + ";")
    s.append("        for (int ch = 0, wi = o0; ch < c; ch++, wi += 9 * m) {")
    if rows_loop:  # each kernel row's three taps written out, in a loop over the rows
        s.append("            for (int u = 0; u < 9; u += 3) {  // kernel row u / 3, its three taps written out (see the class comment)")
        s.append("                int ta = offs[u] + ch, tb = offs[u + 1] + ch, tc = offs[u + 2] + ch, wu = wi + u * m;")
        for j, t in enumerate(["ta", "tb", "tc"]):
            tap(s, "                ", f"u / 3, {j}", "wu", j, f"{t}", P, V)
        s.append("            }")
    else:  # all nine taps written out
        for j in range(9):
            tap(s, "            ", f"{j // 3}, {j % 3}", "wi", j, f"t{j} + ch", P, V)
    s.append("        }")
    s.append("        int yi = p0 * m + o0;")
    for p in range(P):
        st = " ".join(f"a{p}_{vv}.intoArray(y, yi{'' if vv == 0 else (' + L' if vv == 1 else f' + {vv} * L')});" for vv in range(V))
        s.append(f"        {st}" + ("" if p == P - 1 else " yi += m;"))
    s.append("    }")
    return "\n".join(s)
hdr = '''package org.sparkcnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ProductChannelsLast}'s tiles for a 3x3 kernel, the taps written out: the same chains in the same order
 * (the bias or +0, then one fma per tap (c, u, v) in increasing order), the same bits. tile2 (12 accumulators, the
 * tile of 16-register CPUs) writes out each channel's nine taps, with their shifts in locals: the reads of X are
 * linear in the channel, which lets the JIT hoist their bounds checks out of the loop, and no tap table is read.
 * tile4 and tile12x2 (24 accumulators) write out each kernel row's three taps, in a loop over the rows that reads
 * their shifts: with all nine written out they were too large for C1's profiled tier ("out of virtual registers
 * in LIR generator"): in a JVM that had compiled them at C1's tier 2 first (as HotSpot does while C2's queue is
 * long), they never reached C2, and ran as C1 code, its vectors as objects: the network up to 31 times slower
 * ({@link C1CompilationTest}; docs/PERFORMANCE.md, which also has the speeds of both forms).
 * {@link ProductChannelsLast} takes them where {@link #suits} holds. Written by
 * engine/src/gen/product_channels_last_3x3.py: edit that and rerun it.
 */
final class ProductChannelsLast3x3 {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int L = Lanes.L;

    private ProductChannelsLast3x3() {
    }

    /** Compiles the tiles before their first real call (see {@link JitWarmUp}). */
    private static final class Warm {
        static {
            int c = 2, m = 4 * L;
            float[] x = new float[64], at = new float[9 * c * m], y = new float[ProductChannelsLast.P * m];
            int[] bases = new int[ProductChannelsLast.P], offs = new int[9 * c];
            JitWarmUp.untilCompiled(java.util.List.of(() -> tile2(x, bases, 0, offs, c, at, m, 0, null, -1, y)),
                    java.util.List.of(() -> tile4(x, bases, 0, offs, c, at, m, 0, null, -1, y),
                            () -> tile12x2(x, bases, 0, offs, c, at, m, 0, null, -1, y)), 1_000_000_000L);
        }

        static void ensure() {
        }
    }

    /** Whether the kernel is 3x3 and the tap table {@code offs} (C*9 long) is each channel's nine shifts plus the channel. */
    static boolean suits(ConvFrame xf, int[] offs) {
        if (xf.kh != 3 || xf.kw != 3) {
            return false;
        }
        for (int k = 9; k < 9 * xf.c; k++) {
            if (offs[k] != offs[k % 9] + k / 9) {
                return false;
            }
        }
        Warm.ensure();  // its tiles are about to run: compiled first
        return true;
    }

'''
body = "\n\n".join([
  tile("tile4", 6, 4, "{@link ProductChannelsLast}'s tile4 (6 positions by 4 output vectors), channels {@code 0 .. c}.", True),
  tile("tile2", 6, 2, "{@link ProductChannelsLast}'s tile2 (6 positions by 2 output vectors: 12 accumulators, for 16 registers).", False),
  tile("tile12x2", 12, 2, "{@link ProductChannelsLast}'s tile12x2 (12 positions by 2 output vectors, for 32 registers).", True),
])
open(os.path.join(ROOT, 'engine/src/main/java/org/sparkcnn/engine/ops/ProductChannelsLast3x3.java'), 'w').write(hdr + body + "\n}\n")
