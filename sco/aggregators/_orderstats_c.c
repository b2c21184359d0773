/*
 * sco.aggregators._orderstats_c -- coordinate-wise rank-range sums (CWTM / CWMed kernel).
 *
 * For x of shape [nbatch, m, d] (C order, float64) and 0 <= lo < hi <= m, compute
 *
 *     out[b, j] = sum over ranks r = lo .. hi-1 (ascending) of sort(x[b, :, j])[r]
 *
 * where the sort is ascending and treats NaN as +inf.  The sum starts from +0.0 and adds the
 * ranks in increasing order, exactly like Python's sum(sorted(column)[lo:hi]).
 *
 * Algorithm
 * ---------
 * Columns (coordinates) are processed in tiles of LANES adjacent columns.  A tile is copied
 * into a row-major scratch buffer tile[N][LANES] (NaN replaced by +inf; for full tiles the
 * copy is done by the first ops of the network), where N >= m is a power of two and rows
 * m .. N-1 hold +inf ("padding").  Every column of the tile is then
 * sorted by the same data-independent comparator network, Batcher's odd-even merge sort on N
 * wires: a comparator on wires (a, b), a < b, puts the min into a and the max into b, for all
 * LANES columns at once with packed SIMD min/max (branch-free, vectorised across columns).
 * Finally ranks lo .. hi-1 of every column are summed in ascending order.
 *
 * Padding is harmless: every comparator puts the max on the higher wire, so a +inf on a
 * padding wire never moves and never changes a real wire; comparators whose higher wire is
 * padding are simply skipped.
 *
 * A comparator applied straight to the tile costs two loads and two stores per register of
 * columns, which makes such a network store-bound.  The network is therefore regrouped into
 * "ops" that hold their wires in registers:
 *
 *   SORT16  Batcher's 63-comparator sort of 16 consecutive wires (the recursion's leaves);
 *   MERGE8  the first three layers of a merge of two sorted runs (distances p, p/2, p/4):
 *           restricted to the wires c, c + p/4, ..., c + 7p/4 they are exactly the
 *           9-comparator odd-even merge of 4 + 4 wires;
 *   TAIL3   three later layers of a merge (distances 4u, 2u, u), which connect the wires
 *   TAIL2   c, c+u, c+2u, ... into a chain; the op walks along the chain, 8 (4) wires per
 *           step, and carries the last 3 (1) wires over in registers (12 comparators per 8
 *           loads and stores, or 4 per 4);
 *   CMP     one comparator (a leftover single layer and the ends of the chains).
 *
 * The ops perform exactly Batcher's comparators, only in an order that keeps every wire's
 * comparators in network order.  With the loads and stores mostly gone, the network runs at
 * about the throughput of the min/max units.  Before the run, the ops that cannot influence
 * ranks lo .. hi-1 are dropped (walking the network backwards).  The op interpreter exists in
 * three builds -- AVX2 (picked at run time when the CPU has it, so the build needs no -march
 * flag), SSE2 and portable scalar C -- that compute identical values.
 *
 * Why results do not depend on the tile, batch or ISA: every column goes through the same
 * sequence of floating-point operations wherever it sits; min/max are exact; and the only
 * freedom of the network (the order of -0.0 and +0.0, which compare equal) cannot change a
 * sum that starts from +0.0 (s + (-0.0) and s + (+0.0) are equal bit for bit for every
 * s != -0.0, and such a sum is never -0.0).
 *
 * Only the Python C API and the buffer protocol are used (no numpy headers).  The GIL is
 * released during the computation.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Columns per tile: 24 doubles = 6 AVX2 registers per row (must be a multiple of 4).
 * Measured on Zen 3: 16 is a little faster for m ~ 20 but often up to 2x slower for m ~ 100
 * (probably the shorter runs it reads from each row of x); 24 .. 48 perform alike. */
#ifndef LANES
#define LANES 24
#endif
#ifndef ROW_PAD
#define ROW_PAD 4
#endif
/* Doubles between consecutive rows of the tile.  The pad keeps every row a multiple of 32 bytes
 * but avoids power-of-two strides between the wires of an op (those map many rows onto the
 * same cache sets and 4 KiB store/load aliasing slots). */
#define ROW (LANES + ROW_PAD)

/* Column blocks copied from x (see rank_range_sum_kernel): target size, and when copying pays
 * (measured on Zen 3: from about 32 workers on, and with several tiles per block). */
#define BLOCK_BYTES (256 * 1024)
#define BLOCK_MIN_WORKERS 33
#define BLOCK_MIN_TILES 4

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(ptr) __builtin_prefetch((ptr), 0, 3)
#else
#define PREFETCH(ptr) ((void)0)
#endif

/* TAIL2 / TAIL3 chains are cut into segments of at most this many steps (4 / 8 wires each), so
 * that pruning can drop the parts of a long chain that do not matter. */
#define TAIL2_SEGMENT 4
#define TAIL3_SEGMENT 2

/* x86-64 with GCC/Clang: SSE2 (always present) and AVX2 (chosen at run time). */
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define ORDERSTATS_X86 1
#include <immintrin.h>
#else
#define ORDERSTATS_X86 0
#endif

/* ------------------------------------------------------------------------------------------
 * Ops
 * ---------------------------------------------------------------------------------------- */

enum { OP_CMP, OP_SORT16, OP_MERGE8, OP_TAIL2, OP_TAIL3 };

/*
 * One op.  base and step are tile offsets in doubles (wire index * ROW) once the network is
 * built (wire indices before that):
 *   CMP     the comparator (base, base + step);
 *   SORT16  Batcher's sort of the 16 wires base + i*step (step = one row);
 *   MERGE8  the 9-comparator merge of 4 + 4 on the wires base + i*step, i = 0..7;
 *   TAIL2   count steps of a two-layer chain on the wires base + i*step (see gen_merge);
 *   TAIL3   count steps of a three-layer chain on the wires base + i*step (see gen_merge).
 * For SORT16 and MERGE8, count is the number of real wires (a prefix; the rest is padding,
 * and comparators with padding are skipped: they would not change anything).
 * first, last, wire_step: the wires the op touches, first + i*wire_step <= last (pruning).
 */
typedef struct {
    int32_t kind, base, step, count;
    int32_t first, last, wire_step;
} op_t;

/* Growable op list for a network on m real wires. */
typedef struct {
    op_t *ops;
    Py_ssize_t n, cap;
    Py_ssize_t m;
    int failed; /* out of memory */
} op_list;

static void
push_op(op_list *list, int32_t kind, Py_ssize_t first, Py_ssize_t step, Py_ssize_t count,
        Py_ssize_t last)
{
    if (list->failed) {
        return;
    }
    if (list->n == list->cap) {
        Py_ssize_t cap = list->cap ? 2 * list->cap : 64;
        op_t *ops = realloc(list->ops, (size_t)cap * sizeof(op_t));
        if (ops == NULL) {
            list->failed = 1;
            return;
        }
        list->ops = ops;
        list->cap = cap;
    }
    list->ops[list->n++] = (op_t){kind,          (int32_t)first, (int32_t)step, (int32_t)count,
                                  (int32_t)first, (int32_t)last,  (int32_t)step};
}

/* Comparator (a, b), a < b; a no-op when b is padding. */
static void
push_cmp(op_list *list, Py_ssize_t a, Py_ssize_t b)
{
    if (b < list->m) {
        push_op(list, OP_CMP, a, b - a, 1, b);
    }
}

/* SORT16 / MERGE8 on the wires first + i*step, i < nslots, recording how many are real. */
static void
push_block(op_list *list, int32_t kind, Py_ssize_t first, Py_ssize_t step, Py_ssize_t nslots)
{
    Py_ssize_t real = 0;
    while (real < nslots && first + real * step < list->m) {
        real++;
    }
    if (real > 0) {
        push_op(list, kind, first, step, real, first + (nslots - 1) * step);
    }
}

/* TAIL2 / TAIL3 chain of steps, each advancing per_step wires and touching extra more wires
 * after its last step; steps that start on padding (and all after them) are no-ops. */
static void
push_chain(op_list *list, int32_t kind, Py_ssize_t first, Py_ssize_t step, Py_ssize_t steps,
           Py_ssize_t per_step, Py_ssize_t extra)
{
    Py_ssize_t real = 0;
    while (real < steps && first + real * per_step * step < list->m) {
        real++;
    }
    if (real > 0) {
        push_op(list, kind, first, step, real, first + (real * per_step + extra) * step);
    }
}

/*
 * Merge the two sorted halves of wires B .. B+n-1 (n >= 32 a power of two) with Batcher's
 * odd-even merge, in layers.  The layers have distances n/2, n/4, ..., 1.  Within a residue
 * class of wires modulo the distance s (elements t = 0, 1, 2, ... of the class), the first
 * layer (s = n/2) compares t = 0 with t = 1 and every later layer compares 2i+1 with 2i+2.
 * Any grouping of these comparators that keeps, for every wire, the layers in order computes
 * the same network.
 */
static void
gen_merge(op_list *list, Py_ssize_t B, Py_ssize_t n)
{
    /* Layers n/2, n/4, n/8: within each class modulo q = n/8 (8 wires) they are exactly the
     * 9-comparator merge of 4 + 4. */
    const Py_ssize_t q = n / 8;
    for (Py_ssize_t c = 0; c < q; c++) {
        push_block(list, OP_MERGE8, B + c, q, 8);
    }

    /* The remaining `layers` layers, distances s = n/16 .. 1, three or two at a time. */
    Py_ssize_t s = n / 16, layers = 1;
    while (((Py_ssize_t)1 << (layers - 1)) < s) {
        layers++;
    }
    while (layers > 0) {
        if (layers == 1) {
            /* A last single layer of distance 1: (2i+1, 2i+2). */
            for (Py_ssize_t i = 0; 2 * i + 2 < n; i++) {
                push_cmp(list, B + 2 * i + 1, B + 2 * i + 2);
            }
            layers = 0;
        }
        else if (layers == 2 || layers == 4) {
            /* Layers s and u = s/2 on the class c, c+u, c+2u, ... (T wires, t = 0..T-1):
             *   distance s: (4i+2, 4i+4), (4i+3, 4i+5)  for i = 0 .. T/4-2,
             *   distance u: (2i+1, 2i+2)                for i = 0 .. T/2-2.
             * TAIL2 step k (k = 0 .. T/4-2) does (4k+2, 4k+4), (4k+3, 4k+5), then (4k+1, 4k+2),
             * (4k+3, 4k+4); all their inputs are final by then.  (T-3, T-2) is left over. */
            const Py_ssize_t u = s / 2, T = n / u, steps = T / 4 - 1;
            for (Py_ssize_t c = 0; c < u; c++) {
                for (Py_ssize_t k0 = 0; k0 < steps; k0 += TAIL2_SEGMENT) {
                    const Py_ssize_t cnt = Py_MIN(TAIL2_SEGMENT, steps - k0);
                    push_chain(list, OP_TAIL2, B + c + u * (4 * k0 + 1), u, cnt, 4, 0);
                }
                push_cmp(list, B + c + u * (T - 3), B + c + u * (T - 2));
            }
            s /= 4;
            layers -= 2;
        }
        else {
            /* Layers s, s/2 and u = s/4 on the class c, c+u, c+2u, ... (T wires):
             *   distance 4u: (8i+4+e, 8i+8+e), e = 0..3   for i = 0 .. T/8-2,
             *   distance 2u: (4i+2+e, 4i+4+e), e = 0..1   for i = 0 .. T/4-2,
             *   distance u:  (2i+1, 2i+2)                 for i = 0 .. T/2-2.
             * TAIL3 step k (k = 0 .. T/8-2) does, on t = 8k+1 .. 8k+11, the four distance-4u
             * comparators from 8k+4, then (8k+2, 8k+4), (8k+3, 8k+5), (8k+6, 8k+8),
             * (8k+7, 8k+9), then (8k+1, 8k+2), (8k+3, 8k+4), (8k+5, 8k+6), (8k+7, 8k+8);
             * t = 8k+1 .. 8k+8 are then final.  Five comparators on T-7 .. T-2 are left. */
            const Py_ssize_t u = s / 4, T = n / u, steps = T / 8 - 1;
            for (Py_ssize_t c = 0; c < u; c++) {
                const Py_ssize_t w = B + c; /* wire t of the class is w + u*t */
                for (Py_ssize_t k0 = 0; k0 < steps; k0 += TAIL3_SEGMENT) {
                    const Py_ssize_t cnt = Py_MIN(TAIL3_SEGMENT, steps - k0);
                    push_chain(list, OP_TAIL3, w + u * (8 * k0 + 1), u, cnt, 8, 2);
                }
                push_cmp(list, w + u * (T - 6), w + u * (T - 4));
                push_cmp(list, w + u * (T - 5), w + u * (T - 3));
                push_cmp(list, w + u * (T - 7), w + u * (T - 6));
                push_cmp(list, w + u * (T - 5), w + u * (T - 4));
                push_cmp(list, w + u * (T - 3), w + u * (T - 2));
            }
            s /= 8;
            layers -= 3;
        }
    }
}

/* Sort wires B .. B+n-1 (n a power of two, n != 8) recursively: both halves, then merge. */
static void
gen_sort(op_list *list, Py_ssize_t B, Py_ssize_t n)
{
    if (n == 2) {
        push_cmp(list, B, B + 1);
    }
    else if (n == 4) {
        push_cmp(list, B, B + 1);
        push_cmp(list, B + 2, B + 3);
        push_cmp(list, B, B + 2);
        push_cmp(list, B + 1, B + 3);
        push_cmp(list, B + 1, B + 2);
    }
    else if (n == 16) {
        push_block(list, OP_SORT16, B, 1, 16);
    }
    else if (n >= 32) {
        gen_sort(list, B, n / 2);
        gen_sort(list, B + n / 2, n / 2);
        gen_merge(list, B, n);
    }
}

/*
 * Drop the ops that cannot influence output wires lo .. hi-1.  Walking backwards we track
 * which wires are still "needed"; an op is kept iff it touches a needed wire, and then every
 * wire it touches becomes needed (a superset of what is strictly necessary, which is safe:
 * running an extra op never changes a needed value).  Returns the new count (ops compacted in
 * place, order kept), or -1 on memory error.
 */
static Py_ssize_t
prune_ops(op_t *ops, Py_ssize_t nops, Py_ssize_t n_wires, Py_ssize_t m, Py_ssize_t lo,
          Py_ssize_t hi)
{
    unsigned char *needed = calloc((size_t)n_wires, 1);
    unsigned char *keep = malloc((size_t)(nops > 0 ? nops : 1));
    if (needed == NULL || keep == NULL) {
        free(needed);
        free(keep);
        return -1;
    }
    memset(needed + lo, 1, (size_t)(hi - lo));
    for (Py_ssize_t o = nops - 1; o >= 0; o--) {
        const op_t *op = &ops[o];
        keep[o] = 0;
        for (Py_ssize_t w = op->first; w <= op->last && w < m && !keep[o]; w += op->wire_step) {
            keep[o] = needed[w];
        }
        if (keep[o]) {
            for (Py_ssize_t w = op->first; w <= op->last; w += op->wire_step) {
                needed[w] = 1;
            }
        }
    }
    Py_ssize_t kept = 0;
    for (Py_ssize_t o = 0; o < nops; o++) {
        if (keep[o]) {
            ops[kept++] = ops[o];
        }
    }
    free(needed);
    free(keep);
    return kept;
}

/* ------------------------------------------------------------------------------------------
 * Op interpreter, one build per instruction set
 *
 * DEFINE_APPLY_OPS(NAME, ATTR) defines
 *     ATTR static void NAME(double *tile, const op_t *ops, Py_ssize_t nops,
 *                           const double *src, Py_ssize_t src_stride)
 * which runs the ops on the tile.  If src is not NULL, the SORT16 ops (the first op on each of
 * their wires) read wire w from src + w * src_stride instead of the tile, with NaN -> +inf.
 *
 * It is written with the macros of the current instruction set: a vector type VEC of VWIDTH
 * doubles, unaligned VLOAD(ptr) / VSTORE(ptr, v), VSET1(c), VNAN_TO_INF(v, inf), and
 * VMIN(a, b) = a < b ? a : b and VMAX(a, b) = a > b ? a : b (the x86 minpd/maxpd semantics),
 * so that CMPX below leaves a tie (-0.0 vs +0.0) in place and each column stays a permutation
 * of its values.  Each op is applied to the LANES columns VWIDTH at a time; the wires of an op
 * stay in registers.
 * ---------------------------------------------------------------------------------------- */

/* Compare-exchange two registers: x <- min, y <- max. */
#define CMPX(x, y)                                                                                 \
    do {                                                                                           \
        const VEC lo_ = VMIN(y, x);                                                                \
        y = VMAX(x, y);                                                                            \
        x = lo_;                                                                                   \
    } while (0)

/* X-macro lists of comparator pairs (slot a, slot b), a < b, in a valid order. */

/* Batcher's sort of 8 slots o .. o+7 (19 comparators). */
#define SORT8_PAIRS(X, o)                                                                          \
    X(o + 0, o + 1) X(o + 2, o + 3) X(o + 4, o + 5) X(o + 6, o + 7)                                \
    X(o + 0, o + 2) X(o + 1, o + 3) X(o + 4, o + 6) X(o + 5, o + 7)                                \
    X(o + 1, o + 2) X(o + 5, o + 6)                                                                \
    X(o + 0, o + 4) X(o + 1, o + 5) X(o + 2, o + 6) X(o + 3, o + 7)                                \
    X(o + 2, o + 4) X(o + 3, o + 5)                                                                \
    X(o + 1, o + 2) X(o + 3, o + 4) X(o + 5, o + 6)

/* Odd-even merge of the sorted runs at slots o + t*d, t = 0..3 and t = 4..7 (9 comparators). */
#define MERGE8_PAIRS(X, o, d)                                                                      \
    X(o + 0 * d, o + 4 * d) X(o + 1 * d, o + 5 * d) X(o + 2 * d, o + 6 * d)                        \
    X(o + 3 * d, o + 7 * d)                                                                        \
    X(o + 2 * d, o + 4 * d) X(o + 3 * d, o + 5 * d)                                                \
    X(o + 1 * d, o + 2 * d) X(o + 3 * d, o + 4 * d) X(o + 5 * d, o + 6 * d)

/* Batcher's sort of 16 slots (63 comparators): two sorts of 8, merge of the even and of the
 * odd slots, then (2i+1, 2i+2). */
#define SORT16_PAIRS(X)                                                                            \
    SORT8_PAIRS(X, 0) SORT8_PAIRS(X, 8) MERGE8_PAIRS(X, 0, 2) MERGE8_PAIRS(X, 1, 2)                \
    X(1, 2) X(3, 4) X(5, 6) X(7, 8) X(9, 10) X(11, 12) X(13, 14)

/* Comparator on register slots v[a], v[b]; the _REAL form skips it when slot b is padding
 * (slots >= real), where it would change nothing. */
#define CX(a, b) CMPX(v[a], v[b]);
#define CX_REAL(a, b)                                                                              \
    if ((b) < real) {                                                                              \
        CMPX(v[a], v[b]);                                                                          \
    }

/* Slot loaders for BLOCK_OP: from the tile, or (first op on its wires) from x with NaN -> +inf
 * and +inf for padding. */
#define LOAD_TILE(i) VLOAD(p + (i) * s + l)
#define LOAD_X(i) ((i) < real ? VNAN_TO_INF(VLOAD(x0 + (i) * src_stride + l), inf) : inf)

/* Load NSLOT wires into v[] with LOAD_SLOT(i) (lane offset l), run PAIRS, store them back to
 * the tile rows p + i*s. */
#define BLOCK_OP(NSLOT, LOAD_SLOT, PAIRS_FULL, PAIRS_REAL)                                         \
    do {                                                                                           \
        const int real = ops[o].count;                                                             \
        for (int l = 0; l < LANES; l += VWIDTH) {                                                  \
            VEC v[NSLOT];                                                                          \
            for (int i = 0; i < NSLOT; i++) {                                                      \
                v[i] = LOAD_SLOT(i);                                                               \
            }                                                                                      \
            if (real == NSLOT) {                                                                   \
                PAIRS_FULL                                                                         \
            }                                                                                      \
            else {                                                                                 \
                PAIRS_REAL                                                                         \
            }                                                                                      \
            for (int i = 0; i < NSLOT; i++) {                                                      \
                VSTORE(p + i * s + l, v[i]);                                                       \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#define DEFINE_APPLY_OPS(NAME, ATTR)                                                               \
    ATTR static void NAME(double *tile, const op_t *ops, Py_ssize_t nops, const double *src,      \
                          Py_ssize_t src_stride)                                                   \
    {                                                                                              \
        const VEC inf = VSET1(HUGE_VAL);                                                           \
        for (Py_ssize_t o = 0; o < nops; o++) {                                                    \
            double *const p = tile + ops[o].base;                                                  \
            const Py_ssize_t s = ops[o].step;                                                      \
            switch (ops[o].kind) {                                                                 \
            case OP_CMP:                                                                           \
                for (int l = 0; l < LANES; l += VWIDTH) {                                          \
                    VEC a = VLOAD(p + l), b = VLOAD(p + s + l);                                    \
                    CMPX(a, b);                                                                    \
                    VSTORE(p + l, a);                                                              \
                    VSTORE(p + s + l, b);                                                          \
                }                                                                                  \
                break;                                                                             \
            case OP_SORT16:                                                                        \
                /* The first op on its wires: with src, it also loads the tile from x. */          \
                if (src != NULL) {                                                                 \
                    const double *x0 = src + (Py_ssize_t)ops[o].first * src_stride;                \
                    BLOCK_OP(16, LOAD_X, SORT16_PAIRS(CX), SORT16_PAIRS(CX_REAL));                 \
                }                                                                                  \
                else {                                                                             \
                    BLOCK_OP(16, LOAD_TILE, SORT16_PAIRS(CX), SORT16_PAIRS(CX_REAL));              \
                }                                                                                  \
                break;                                                                             \
            case OP_MERGE8:                                                                        \
                BLOCK_OP(8, LOAD_TILE, MERGE8_PAIRS(CX, 0, 1), MERGE8_PAIRS(CX_REAL, 0, 1));       \
                break;                                                                             \
            case OP_TAIL2:                                                                         \
                /* Chain wires w0, w1, ... at p, p+s, ...; step k works on w(4k) .. w(4k+4)        \
                 * (chain t = 4k+1 .. 4k+5, see gen_merge) and keeps w(4k+4) for the next. */      \
                for (int l = 0; l < LANES; l += VWIDTH) {                                          \
                    double *w = p + l;                                                             \
                    VEC c0 = VLOAD(w);                                                             \
                    for (int32_t k = ops[o].count; k > 0; k--) {                                   \
                        VEC w1 = VLOAD(w + s), w2 = VLOAD(w + 2 * s);                              \
                        VEC w3 = VLOAD(w + 3 * s), w4 = VLOAD(w + 4 * s);                          \
                        CMPX(w1, w3); /* distance 2 */                                             \
                        CMPX(w2, w4);                                                              \
                        CMPX(c0, w1); /* distance 1 */                                             \
                        CMPX(w2, w3);                                                              \
                        VSTORE(w, c0);                                                             \
                        VSTORE(w + s, w1);                                                         \
                        VSTORE(w + 2 * s, w2);                                                     \
                        VSTORE(w + 3 * s, w3);                                                     \
                        c0 = w4;                                                                   \
                        w += 4 * s;                                                                \
                    }                                                                              \
                    VSTORE(w, c0);                                                                 \
                }                                                                                  \
                break;                                                                             \
            case OP_TAIL3:                                                                         \
                /* Chain wires at p, p+s, ...; step k works on chain t = 8k+1 .. 8k+11 (see        \
                 * gen_merge), held in x1 .. x11 (x_j at w + (j-1)*s): it loads x4 .. x11,         \
                 * stores x1 .. x8 and keeps x9 .. x11 as the next step's x1 .. x3. */             \
                for (int l = 0; l < LANES; l += VWIDTH) {                                          \
                    double *w = p + l;                                                             \
                    VEC x1 = VLOAD(w), x2 = VLOAD(w + s), x3 = VLOAD(w + 2 * s);                   \
                    for (int32_t k = ops[o].count; k > 0; k--) {                                   \
                        VEC x4 = VLOAD(w + 3 * s), x5 = VLOAD(w + 4 * s);                          \
                        VEC x6 = VLOAD(w + 5 * s), x7 = VLOAD(w + 6 * s);                          \
                        VEC x8 = VLOAD(w + 7 * s), x9 = VLOAD(w + 8 * s);                          \
                        VEC x10 = VLOAD(w + 9 * s), x11 = VLOAD(w + 10 * s);                       \
                        CMPX(x4, x8); /* distance 4 */                                             \
                        CMPX(x5, x9);                                                              \
                        CMPX(x6, x10);                                                             \
                        CMPX(x7, x11);                                                             \
                        CMPX(x2, x4); /* distance 2 */                                             \
                        CMPX(x3, x5);                                                              \
                        CMPX(x6, x8);                                                              \
                        CMPX(x7, x9);                                                              \
                        CMPX(x1, x2); /* distance 1 */                                             \
                        CMPX(x3, x4);                                                              \
                        CMPX(x5, x6);                                                              \
                        CMPX(x7, x8);                                                              \
                        VSTORE(w, x1);                                                             \
                        VSTORE(w + s, x2);                                                         \
                        VSTORE(w + 2 * s, x3);                                                     \
                        VSTORE(w + 3 * s, x4);                                                     \
                        VSTORE(w + 4 * s, x5);                                                     \
                        VSTORE(w + 5 * s, x6);                                                     \
                        VSTORE(w + 6 * s, x7);                                                     \
                        VSTORE(w + 7 * s, x8);                                                     \
                        x1 = x9;                                                                   \
                        x2 = x10;                                                                  \
                        x3 = x11;                                                                  \
                        w += 8 * s;                                                                \
                    }                                                                              \
                    VSTORE(w, x1);                                                                 \
                    VSTORE(w + s, x2);                                                             \
                    VSTORE(w + 2 * s, x3);                                                         \
                }                                                                                  \
                break;                                                                             \
            default:                                                                               \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
    }

typedef void (*apply_ops_fn)(double *tile, const op_t *ops, Py_ssize_t nops, const double *src,
                             Py_ssize_t src_stride);

/* Portable build: one double at a time. */
#define VEC double
#define VWIDTH 1
#define VLOAD(ptr) (*(ptr))
#define VSTORE(ptr, v) (*(ptr) = (v))
#define VMIN(a, b) ((a) < (b) ? (a) : (b))
#define VMAX(a, b) ((a) > (b) ? (a) : (b))
#define VSET1(c) (c)
#define VNAN_TO_INF(a, inf) scalar_nan_to_inf(a, inf)
static inline double
scalar_nan_to_inf(double a, double inf)
{
    return a == a ? a : inf;
}
DEFINE_APPLY_OPS(apply_ops_scalar, )
#undef VEC
#undef VWIDTH
#undef VLOAD
#undef VSTORE
#undef VMIN
#undef VMAX
#undef VSET1
#undef VNAN_TO_INF

#if ORDERSTATS_X86
/* SSE2: 2 doubles per register. */
#define VEC __m128d
#define VWIDTH 2
#define VLOAD _mm_loadu_pd
#define VSTORE _mm_storeu_pd
#define VMIN _mm_min_pd
#define VMAX _mm_max_pd
#define VSET1 _mm_set1_pd
#define VNAN_TO_INF(a, inf) sse2_nan_to_inf(a, inf)
static inline __m128d
sse2_nan_to_inf(__m128d a, __m128d inf)
{
    const __m128d nan = _mm_cmpunord_pd(a, a);
    return _mm_or_pd(_mm_and_pd(nan, inf), _mm_andnot_pd(nan, a));
}
DEFINE_APPLY_OPS(apply_ops_sse2, )
#undef VEC
#undef VWIDTH
#undef VLOAD
#undef VSTORE
#undef VMIN
#undef VMAX
#undef VSET1
#undef VNAN_TO_INF

/* AVX2: 4 doubles per register. */
#define VEC __m256d
#define VWIDTH 4
#define VLOAD _mm256_loadu_pd
#define VSTORE _mm256_storeu_pd
#define VMIN _mm256_min_pd
#define VMAX _mm256_max_pd
#define VSET1 _mm256_set1_pd
#define VNAN_TO_INF(a, inf) _mm256_blendv_pd(a, inf, _mm256_cmp_pd(a, a, _CMP_UNORD_Q))
DEFINE_APPLY_OPS(apply_ops_avx2, __attribute__((target("avx2"))))
#undef VEC
#undef VWIDTH
#undef VLOAD
#undef VSTORE
#undef VMIN
#undef VMAX
#undef VSET1
#undef VNAN_TO_INF
#endif

/* The builds this CPU can run, fastest first (exported to Python as ISAS). */
typedef struct {
    const char *name;
    apply_ops_fn fn;
} isa_impl;

static isa_impl isa_impls[3];
static int n_isa_impls = 0;

static void
detect_isa_impls(void)
{
    n_isa_impls = 0;
#if ORDERSTATS_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        isa_impls[n_isa_impls++] = (isa_impl){"avx2", apply_ops_avx2};
    }
    isa_impls[n_isa_impls++] = (isa_impl){"sse2", apply_ops_sse2};
#endif
    isa_impls[n_isa_impls++] = (isa_impl){"scalar", apply_ops_scalar};
}

/* ------------------------------------------------------------------------------------------
 * Tiles: load, sort, sum
 * ---------------------------------------------------------------------------------------- */

/*
 * x: [nbatch, m, d] C order; out: [nbatch, d]; ops: the network as tile offsets; tile: scratch
 * of n_wires * ROW doubles whose rows m .. n_wires-1 hold +inf on entry (and keep it: padding
 * never changes).  fused_load: the network starts every wire with a SORT16 op (n_wires >= 16),
 * which can then read full tiles straight from the source rows.
 *
 * Memory access: a tile needs LANES values from each of m rows that are d doubles apart, a
 * pattern the hardware prefetchers do not follow, and reading x that way costs more than the
 * sorting.  So, when block is not NULL, the columns are first copied block_cols (a multiple of
 * LANES) at a time into block[m][block_cols]: long contiguous runs per row, which stream well
 * and land in L2, and the tiles are cut from there.  Without block (for large m, when a block
 * would hold few tiles), the tiles are read from x directly and the next tile is prefetched.
 */
static void
rank_range_sum_kernel(const double *restrict x, double *restrict out, Py_ssize_t nbatch,
                      Py_ssize_t m, Py_ssize_t d, Py_ssize_t lo, Py_ssize_t hi,
                      apply_ops_fn apply_ops, const op_t *ops, Py_ssize_t nops,
                      double *restrict tile, int fused_load, double *restrict block,
                      Py_ssize_t block_cols)
{
    if (block == NULL) {
        block_cols = d; /* one "block": all columns, read in place */
    }
    for (Py_ssize_t b = 0; b < nbatch; b++) {
        const double *xb = x + b * m * d;
        double *ob = out + b * d;
        for (Py_ssize_t J0 = 0; J0 < d; J0 += block_cols) {
            const Py_ssize_t bw = Py_MIN(block_cols, d - J0);
            const double *src; /* row r of the block starts at src + r * stride */
            Py_ssize_t stride;
            if (block != NULL) {
                for (Py_ssize_t r = 0; r < m; r++) {
                    memcpy(block + r * block_cols, xb + r * d + J0, (size_t)bw * sizeof(double));
                }
                src = block;
                stride = block_cols;
            }
            else {
                src = xb + J0;
                stride = d;
            }

            for (Py_ssize_t j0 = 0; j0 < bw; j0 += LANES) {
                const Py_ssize_t width = Py_MIN(LANES, bw - j0);

                /* 1. Reading x in place: ask for the next tile's rows now, so that they arrive
                 *    while this tile is sorted.  A row segment of LANES doubles spans LANES/8
                 *    cache lines, or one more when it is not 64-byte aligned: touch every 8th
                 *    double and the last one. */
                if (block == NULL && j0 + 2 * LANES <= bw) {
                    for (Py_ssize_t r = 0; r < m; r++) {
                        const double *next = src + r * stride + j0 + LANES;
                        for (int l = 0; l < LANES; l += 8) {
                            PREFETCH(next + l);
                        }
                        PREFETCH(next + LANES - 1);
                    }
                }

                if (fused_load && width == LANES) {
                    /* 2. Sort every column; the SORT16 ops load the tile themselves. */
                    apply_ops(tile, ops, nops, src + j0, stride);
                }
                else {
                    /* 2'. Load the m x width tile, NaN -> +inf; lanes past the end of a
                     *     partial tile are filled with 0.0 (sorted, never written out). */
                    for (Py_ssize_t r = 0; r < m; r++) {
                        const double *restrict row = src + r * stride + j0;
                        double *restrict dst = tile + r * ROW;
                        for (int l = 0; l < LANES; l++) {
                            const double v = l < width ? row[l] : 0.0;
                            dst[l] = v == v ? v : HUGE_VAL;
                        }
                    }
                    apply_ops(tile, ops, nops, NULL, 0);
                }

                /* 3. Sum ranks lo .. hi-1 in ascending order, starting from +0.0. */
                double s[LANES];
                for (int l = 0; l < LANES; l++) {
                    s[l] = 0.0;
                }
                for (Py_ssize_t r = lo; r < hi; r++) {
                    const double *row = tile + r * ROW;
                    for (int l = 0; l < LANES; l++) {
                        s[l] += row[l];
                    }
                }
                memcpy(ob + J0 + j0, s, (size_t)width * sizeof(double));
            }
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Python entry point
 * ---------------------------------------------------------------------------------------- */

PyDoc_STRVAR(rank_range_sum_doc,
             "rank_range_sum(x, out, nbatch, m, d, lo, hi, isa=None, /)\n"
             "--\n\n"
             "Low-level kernel behind sco.aggregators._orderstats.rank_range_sum.\n\n"
             "x: C-contiguous buffer of nbatch*m*d float64 (read only); out: writable\n"
             "C-contiguous buffer of nbatch*d float64.  For every batch element b and column j,\n"
             "out[b, j] = sum of ranks lo..hi-1 (ascending, NaN as +inf) of x[b, :, j].\n"
             "Requires 0 <= lo < hi <= m.  isa (one of ISAS) forces an instruction set\n"
             "(for tests); the default is the fastest, ISAS[0].  Releases the GIL.");

/* Largest m accepted: tile offsets (wire index * ROW, up to 2m wires) must fit in int32. */
#define MAX_WORKERS ((Py_ssize_t)1 << 24)

static PyObject *
rank_range_sum(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer xbuf, obuf;
    Py_ssize_t nbatch, m, d, lo, hi;
    const char *isa = NULL;
    if (!PyArg_ParseTuple(args, "y*w*nnnnn|z:rank_range_sum", &xbuf, &obuf, &nbatch, &m, &d, &lo,
                          &hi, &isa)) {
        return NULL;
    }
    PyObject *result = NULL;
    op_list list = {NULL, 0, 0, 0, 0};
    void *scratch = NULL; /* holds the tile and the block */

    apply_ops_fn apply_ops = isa_impls[0].fn;
    if (isa != NULL) {
        int i = 0;
        while (i < n_isa_impls && strcmp(isa, isa_impls[i].name) != 0) {
            i++;
        }
        if (i == n_isa_impls) {
            PyErr_Format(PyExc_ValueError, "isa '%s' is not available on this CPU", isa);
            goto done;
        }
        apply_ops = isa_impls[i].fn;
    }

    /* Validate sizes before touching memory (the Python wrapper also checks lo/hi). */
    if (nbatch < 0 || m < 1 || m > MAX_WORKERS || d < 0) {
        PyErr_Format(PyExc_ValueError, "bad shape (nbatch=%zd, m=%zd, d=%zd)", nbatch, m, d);
        goto done;
    }
    if (!(0 <= lo && lo < hi && hi <= m)) {
        PyErr_Format(PyExc_ValueError, "need 0 <= lo < hi <= m = %zd, got lo=%zd, hi=%zd", m, lo,
                     hi);
        goto done;
    }
    const Py_ssize_t elem = (Py_ssize_t)sizeof(double);
    if ((d > 0 && nbatch > PY_SSIZE_T_MAX / elem / m / d) || xbuf.len != nbatch * m * d * elem ||
        obuf.len != nbatch * d * elem) {
        PyErr_SetString(PyExc_ValueError, "buffer sizes do not match nbatch, m, d");
        goto done;
    }
    if (nbatch == 0 || d == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }

    /* The network on N = next power of two >= m wires, pruned to what ranks lo..hi-1 need,
     * with wire indices turned into tile offsets. */
    Py_ssize_t n_wires = 1;
    while (n_wires < m) {
        n_wires *= 2;
    }
    if (n_wires == 8) {
        n_wires = 16; /* the smallest block op sorts 16 wires */
    }
    list.m = m;
    gen_sort(&list, 0, n_wires);
    if (list.failed) {
        PyErr_NoMemory();
        goto done;
    }
    const Py_ssize_t nops = prune_ops(list.ops, list.n, n_wires, m, lo, hi);

    /* Column blocks (see rank_range_sum_kernel): about BLOCK_BYTES of x each, a multiple of
     * LANES columns, not wider than d needs.  None for few workers (the hardware prefetchers
     * follow that many rows by themselves) or when a block would hold few tiles. */
    Py_ssize_t block_cols = BLOCK_BYTES / (m * (Py_ssize_t)sizeof(double)) / LANES * LANES;
    block_cols = Py_MIN(block_cols, (d + LANES - 1) / LANES * LANES);
    const int use_block = m >= BLOCK_MIN_WORKERS && block_cols >= BLOCK_MIN_TILES * LANES;

    /* The tile and the block start on cache lines (and tile rows are multiples of 32 bytes),
     * so no vector load of a tile row straddles two lines. */
    const Py_ssize_t tile_doubles = (n_wires * ROW + 7) / 8 * 8;
    const Py_ssize_t block_doubles = use_block ? m * block_cols : 0;
    scratch = malloc((size_t)(tile_doubles + block_doubles) * sizeof(double) + 64);
    if (nops < 0 || scratch == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *tile = (double *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    double *block = use_block ? tile + tile_doubles : NULL;
    for (Py_ssize_t o = 0; o < nops; o++) {
        list.ops[o].base *= ROW;
        list.ops[o].step *= ROW;
    }
    for (Py_ssize_t i = m * ROW; i < n_wires * ROW; i++) {
        tile[i] = HUGE_VAL; /* padding rows */
    }

    Py_BEGIN_ALLOW_THREADS
    rank_range_sum_kernel((const double *)xbuf.buf, (double *)obuf.buf, nbatch, m, d, lo, hi,
                          apply_ops, list.ops, nops, tile, n_wires >= 16, block,
                          block_cols);
    Py_END_ALLOW_THREADS

    result = Py_NewRef(Py_None);
done:
    free(list.ops);
    free(scratch);
    PyBuffer_Release(&xbuf);
    PyBuffer_Release(&obuf);
    return result;
}

static PyMethodDef orderstats_methods[] = {
    {"rank_range_sum", rank_range_sum, METH_VARARGS, rank_range_sum_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef orderstats_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sco.aggregators._orderstats_c",
    .m_doc = "Compiled kernel for coordinate-wise order statistics (see _orderstats.py).",
    .m_size = -1,
    .m_methods = orderstats_methods,
};

PyMODINIT_FUNC
PyInit__orderstats_c(void)
{
    detect_isa_impls();
    PyObject *module = PyModule_Create(&orderstats_module);
    if (module == NULL) {
        return NULL;
    }
    PyObject *isas = PyTuple_New(n_isa_impls);
    if (isas == NULL) {
        Py_DECREF(module);
        return NULL;
    }
    for (int i = 0; i < n_isa_impls; i++) {
        PyObject *name = PyUnicode_FromString(isa_impls[i].name);
        if (name == NULL) {
            Py_DECREF(isas);
            Py_DECREF(module);
            return NULL;
        }
        PyTuple_SET_ITEM(isas, i, name);
    }
    /* PyModule_AddObject steals the reference only on success. */
    if (PyModule_AddObject(module, "ISAS", isas) < 0) {
        Py_DECREF(isas);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
