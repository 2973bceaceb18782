/* Attention with the scores kept on chip (see npuemu/kernels.h).
 *
 * The (head, query row) pairs are split evenly over the harts; a hart takes its pairs in blocks of query rows of one
 * head: K_h and V_h (seq x d_head) sit in its scratchpad while it works on that head, a block's scores S = Q K^T
 * (FP32) in the accumulator, the softmax runs on them in place on the vector unit and leaves P in BF16 in the
 * scratchpad, O = P V goes to the accumulator and, rounded to BF16, out. Per element the arithmetic is the GEMM's and
 * npu_rows' softmax exactly (the same chunks of the array's rows, in the same order), so the result equals the
 * unfused S -> softmax -> P V through global memory bit for bit.
 *
 * The blocks are pipelined: Q, S, P, O (FP32 and BF16) have two buffers each, and two K/V slots where they fit (the
 * next head's K and V load while the array still works on this one's). The array computes block i + 1's scores
 * while the vector unit runs block i's softmax, then block i's P V; the DMA loads block i + 1's operands while block
 * i - 1's output goes out. Program order per block i: load i + 1, S_i = Q_i K^T, O_{i-1} = P_{i-1} V, softmax i,
 * O_{i-1} to BF16, store O_{i-1}. Every semaphore wait comes after its signal in program order, so no queue's head
 * can wait on an instruction the core has not issued (whatever the queues' depth).
 * Semaphores: LOADED (DMA -> MATRIX: Q, and K when the head changes), V_LOADED (DMA -> MATRIX: the head's V),
 * Q_FREE (MATRIX -> DMA, two credits), S (MATRIX -> VECTOR), P (VECTOR -> MATRIX), O (MATRIX -> VECTOR), OUT
 * (VECTOR -> DMA), O_FREE (DMA -> VECTOR, two credits), KV_FREE + slot (MATRIX -> DMA, one credit: the slot's last
 * block's P V is done). The buffer reuses the flags do not cover follow from each queue's order: S_i is written
 * after P_{i-2} V (which waited for softmax i - 2), P_i after O_{i-2}'s conversion (which waited for P_{i-2} V). */
#include "kernel_common.h"
#include "local_alloc.h"
#include "npuemu/hal.h"
#include "npuemu/kernels.h"

enum {
    FLAG_LOADED = 20,
    FLAG_V_LOADED = 21,
    FLAG_Q_FREE = 22,
    FLAG_S = 23,
    FLAG_P = 24,
    FLAG_O = 25,
    FLAG_OUT = 26,
    FLAG_O_FREE = 27,
    FLAG_KV_FREE = 28, /* + slot */
};

/* Lays out the buffers for blocks of `rows` query rows and `slots` K/V slots, the big ones (K, V, P, S) each in a
 * bank of its own with own_banks; 0 if they do not fit. */
static int layout(const struct npu_attention_args* a, const struct npu_geometry* geo, uint32_t rows, uint32_t slots,
                  int own_banks, struct npu_attention_plan* p) {
    const uint32_t L = a->seq, dh = a->d_head;
    struct local_alloc sp = local_alloc_make(NPUEMU_SCRATCHPAD_BASE, geo->scratchpad_bytes, geo->scratchpad_banks);
    struct local_alloc acc = local_alloc_make(NPUEMU_ACCUMULATOR_BASE, geo->accumulator_bytes, geo->accumulator_banks);
    p->block_rows = rows;
    p->slots = slots;
    for (uint32_t s = 0; s < 2; ++s) {
        p->k_s[s] = s < slots ? local_take(&sp, L * dh * 2, own_banks) : p->k_s[0];
        p->v_s[s] = s < slots ? local_take(&sp, L * dh * 2, own_banks) : p->v_s[0];
    }
    for (uint32_t b = 0; b < 2; ++b) p->p_s[b] = local_take(&sp, rows * L * 2, own_banks);
    for (uint32_t b = 0; b < 2; ++b) {
        p->q_s[b] = local_take(&sp, rows * dh * 2, 0);
        p->o16[b] = local_take(&sp, rows * dh * 2, 0);
    }
    p->v1 = local_take(&sp, rows * 4, 0);
    p->v2 = local_take(&sp, rows * 4, 0);
    for (uint32_t b = 0; b < 2; ++b) p->s_acc[b] = local_take(&acc, rows * L * 4, own_banks);
    p->t_acc = local_take(&acc, rows * L * 4, own_banks);
    for (uint32_t b = 0; b < 2; ++b) p->o_acc[b] = local_take(&acc, rows * dh * 4, 0);
    return !sp.failed && !acc.failed;
}

/* The most query rows per block (up to 256) whose buffers fit: two K/V slots if a block of up to an array height of
 * rows fits beside them, else one; in banks of their own if they can. 0 if nothing fits. The search starts at the
 * rows the accumulator could hold at best (S twice, T, O twice), so it takes a few layouts, not dozens: the control
 * core divides slowly and every hart plans before its first load. */
static uint32_t plan_attention(const struct npu_attention_args* a, const struct npu_geometry* geo,
                               struct npu_attention_plan* p) {
    const uint32_t enough = min_u32(a->seq, geo->rows);
    const uint32_t acc_rows = geo->accumulator_bytes / (3 * a->seq * 4 + 2 * a->d_head * 4);
    const uint32_t most = min_u32(min_u32(a->seq, 256), acc_rows > 0 ? acc_rows : 1);
    for (uint32_t slots = 2; slots > 0; --slots) {
        for (int own_banks = 1; own_banks >= 0; --own_banks) {
            for (uint32_t rows = most; rows > 0; rows = rows > 16 ? rows - rows / 4 : rows - 1) {
                if (slots == 2 && rows < enough) break;
                if (layout(a, geo, rows, slots, own_banks, p)) return rows;
            }
        }
    }
    return 0;
}

int npu_attention_plan_rows(const struct npu_attention_args* a) {
    const struct npu_geometry geo = npu_read_geometry();
    struct npu_attention_plan p;
    return (int)plan_attention(a, &geo, &p);
}

/* One block of query rows of one head, in buffer `buf` (its index's parity). */
struct attention_block {
    uint32_t head, r0, n, buf, slot;
    int new_head;     /* K and V must be loaded for it */
    int last_of_head; /* the hart's last block of its head: its P V frees the slot */
};

/* The hart's pairs [pos, end) in blocks: each head's rows in even blocks of at most `rows`. */
struct block_walk {
    uint32_t pos, end, seq, rows;
};

static int walk_next(struct block_walk* w, struct attention_block* b) {
    if (w->pos >= w->end) return 0;
    b->head = w->pos / w->seq;
    b->r0 = w->pos - b->head * w->seq;
    const uint32_t left = min_u32(w->end - w->pos, w->seq - b->r0);
    const uint32_t blocks = (left + w->rows - 1) / w->rows;
    b->n = (left + blocks - 1) / blocks;
    w->pos += b->n;
    return 1;
}

/* DMA: the block's Q (and the head's K before it, V after it, when the head changes). */
static void load_block(const struct npu_attention_args* a, const struct npu_attention_plan* p,
                       const struct attention_block* b) {
    const uint32_t dh = a->d_head, col = b->head * dh * 2;
    if (b->new_head) {
        npu_wait(NPU_QUEUE_DMA, FLAG_KV_FREE + b->slot);
        dma_block(a->k + col, a->ld, p->k_s[b->slot], dh * 2, a->seq, dh * 2);
    }
    npu_wait(NPU_QUEUE_DMA, FLAG_Q_FREE);
    dma_block(a->q + b->r0 * a->ld + col, a->ld, p->q_s[b->buf], dh * 2, b->n, dh * 2);
    npu_signal(NPU_QUEUE_DMA, FLAG_LOADED);
    if (b->new_head) {
        dma_block(a->v + col, a->ld, p->v_s[b->slot], dh * 2, a->seq, dh * 2);
        npu_signal(NPU_QUEUE_DMA, FLAG_V_LOADED);
    }
}

/* MATRIX: S = Q K^T, per array-width group of keys, d_head in chunks of the array's rows. */
static void scores(const struct npu_attention_args* a, const struct npu_attention_plan* p,
                   const struct npu_geometry* geo, const struct attention_block* b) {
    const uint32_t L = a->seq, dh = a->d_head, k_s = p->k_s[b->slot];
    npu_wait(NPU_QUEUE_MATRIX, FLAG_LOADED);
    npu_mx_config(NPU_DTYPE_BF16, dh * 2, L * 4);
    for (uint32_t j = 0; j < L; j += geo->cols) {
        for (uint32_t c = 0; c < dh; c += geo->rows) {
            npu_mx_load_weights(k_s + (j * dh + c) * 2, min_u32(geo->rows, dh - c), min_u32(geo->cols, L - j), 1,
                                dh * 2);
            npu_mx_matmul(p->q_s[b->buf] + c * 2, p->s_acc[b->buf] + j * 4, b->n, c > 0);
        }
    }
    npu_signal(NPU_QUEUE_MATRIX, FLAG_S);
    npu_signal(NPU_QUEUE_MATRIX, FLAG_Q_FREE);
}

/* VECTOR: npu_rows' softmax on the block's scores, then P in BF16 into the scratchpad. Each step goes between S and
 * T, which sit in different banks: an in-place step would read and write the same banks, one after the other. */
static void softmax(const struct npu_attention_plan* p, uint32_t L, const struct attention_block* b) {
    const uint32_t row32 = L * 4, x = p->s_acc[b->buf], t = p->t_acc, n = b->n;
    npu_wait(NPU_QUEUE_VECTOR, FLAG_S);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
    npu_vx_rowmax(p->v1, x);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
    npu_vx_sub_rowb(t, x, p->v1);
    npu_vx_exp(x, t);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, row32, 0);
    npu_vx_rowsum(p->v2, x);
    vx(1, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, 4, 4, 0);
    npu_vx_recip(p->v2, p->v2);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_FP32, row32, row32, 4);
    npu_vx_mul_rowb(t, x, p->v2);
    vx(L, n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, L * 2, row32, 0);
    npu_vx_convert(p->p_s[b->buf], t);
    npu_signal(NPU_QUEUE_VECTOR, FLAG_P);
}

/* MATRIX: O = P V, per array-width group of d_head, the keys in chunks of the array's rows. */
static void context(const struct npu_attention_args* a, const struct npu_attention_plan* p,
                    const struct npu_geometry* geo, const struct attention_block* b) {
    const uint32_t L = a->seq, dh = a->d_head, v_s = p->v_s[b->slot];
    npu_wait(NPU_QUEUE_MATRIX, FLAG_P);
    if (b->new_head) npu_wait(NPU_QUEUE_MATRIX, FLAG_V_LOADED);
    npu_mx_config(NPU_DTYPE_BF16, L * 2, dh * 4);
    for (uint32_t g = 0; g < dh; g += geo->cols) {
        for (uint32_t c = 0; c < L; c += geo->rows) {
            npu_mx_load_weights(v_s + (c * dh + g) * 2, min_u32(geo->rows, L - c), min_u32(geo->cols, dh - g), 0,
                                dh * 2);
            npu_mx_matmul(p->p_s[b->buf] + c * 2, p->o_acc[b->buf] + g * 4, b->n, c > 0);
        }
    }
    npu_signal(NPU_QUEUE_MATRIX, FLAG_O);
    if (b->last_of_head) npu_signal(NPU_QUEUE_MATRIX, FLAG_KV_FREE + b->slot);
}

/* VECTOR: O in BF16; DMA: out. */
static void finish(const struct npu_attention_args* a, const struct npu_attention_plan* p,
                   const struct attention_block* b) {
    const uint32_t dh = a->d_head;
    npu_wait(NPU_QUEUE_VECTOR, FLAG_O);
    npu_wait(NPU_QUEUE_VECTOR, FLAG_O_FREE);
    vx(dh, b->n, NPU_DTYPE_FP32, NPU_DTYPE_BF16, dh * 2, dh * 4, 0);
    npu_vx_convert(p->o16[b->buf], p->o_acc[b->buf]);
    npu_signal(NPU_QUEUE_VECTOR, FLAG_OUT);
    npu_wait(NPU_QUEUE_DMA, FLAG_OUT);
    dma_block(p->o16[b->buf], dh * 2, a->out + b->r0 * a->out_ld + b->head * dh * 2, a->out_ld, b->n, dh * 2);
    npu_signal(NPU_QUEUE_DMA, FLAG_O_FREE);
}

/* Query rows per block for a hart's share: at least an array height (the array loads a weight tile per matmul, which
 * a shorter stream cannot hide), else about a third of the share so the pipeline has blocks to overlap. */
static uint32_t block_rows_for(uint32_t share, const struct npu_geometry* geo, uint32_t most) {
    const uint32_t third = (share + 2) / 3;
    return min_u32(most, third > geo->rows ? third : geo->rows);
}

void npu_attention_prepare(const struct npu_attention_args* a, struct npu_attention_plan* plan) {
    const struct npu_geometry geo = npu_read_geometry();
    if (plan_attention(a, &geo, plan) == 0) plan->block_rows = 0;
}

void npu_attention(const struct npu_attention_args* a, uint32_t hart, uint32_t harts) {
    struct npu_attention_plan p;
    npu_attention_prepare(a, &p);
    npu_attention_planned(a, &p, hart, harts);
}

void npu_attention_planned(const struct npu_attention_args* a, const struct npu_attention_plan* plan, uint32_t hart,
                           uint32_t harts) {
    const struct npu_geometry geo = npu_read_geometry();
    const struct npu_attention_plan p = *plan;
    if (p.block_rows == 0) npu_abort_run(NPU_EXIT_UNHANDLED_TRAP); /* K and V do not fit: unfused */
    const uint32_t L = a->seq, total = a->heads * L;
    const uint32_t share = (total + harts - 1) / harts;
    struct block_walk walk = {min_u32(total, hart * share), min_u32(total, (hart + 1) * share), L,
                              block_rows_for(share, &geo, p.block_rows)};
    struct attention_block ring[4]; /* blocks i - 1, i, i + 1 by i % 4 */
    if (!walk_next(&walk, &ring[0])) return;
    ring[0].buf = ring[0].slot = 0;
    ring[0].new_head = 1;
    /* Starting credits: two Q and two O buffers, one per K/V slot. */
    npu_signal(NPU_QUEUE_MATRIX, FLAG_Q_FREE);
    npu_signal(NPU_QUEUE_MATRIX, FLAG_Q_FREE);
    npu_signal(NPU_QUEUE_DMA, FLAG_O_FREE);
    npu_signal(NPU_QUEUE_DMA, FLAG_O_FREE);
    for (uint32_t s = 0; s < p.slots; ++s) npu_signal(NPU_QUEUE_MATRIX, FLAG_KV_FREE + s);
    uint32_t last_user[2] = {0, 0}; /* + 1: the last block (index + 1) that used each slot, 0 none */
    last_user[0] = 1;
    load_block(a, &p, &ring[0]);
    uint32_t contexts = 0; /* blocks whose P V has been issued */
    uint32_t i = 0;
    for (;; ++i) {
        struct attention_block* cur = &ring[i & 3];
        struct attention_block* next = &ring[(i + 1) & 3];
        const int has_next = walk_next(&walk, next);
        int defer = 0;
        uint32_t user = 0;
        if (has_next) {
            next->buf = (i + 1) & 1;
            next->new_head = next->head != cur->head;
            next->slot = next->new_head && p.slots == 2 ? cur->slot ^ 1 : cur->slot;
            /* A slot whose last block's P V is not issued before this point is loaded after it, below. */
            if (next->new_head) {
                user = last_user[next->slot];
                defer = user != 0 && user >= i; /* the last user is block i - 1 or i */
            }
        }
        cur->last_of_head = !has_next || next->new_head;
        if (has_next && !defer) load_block(a, &p, next);
        scores(a, &p, &geo, cur);
        if (i > 0 && contexts < i) {
            context(a, &p, &geo, &ring[(i - 1) & 3]);
            contexts = i;
        }
        softmax(&p, L, cur);
        if (i > 0) finish(a, &p, &ring[(i - 1) & 3]);
        if (has_next && defer) {
            if (user == i + 1) {
                context(a, &p, &geo, cur);
                contexts = i + 1;
            }
            load_block(a, &p, next);
        }
        if (!has_next) break;
        last_user[next->slot] = i + 2;
    }
    if (contexts <= i) context(a, &p, &geo, &ring[i & 3]);
    finish(a, &p, &ring[i & 3]);
    /* Take back the starting credits. */
    npu_wait(NPU_QUEUE_DMA, FLAG_Q_FREE);
    npu_wait(NPU_QUEUE_DMA, FLAG_Q_FREE);
    npu_wait(NPU_QUEUE_VECTOR, FLAG_O_FREE);
    npu_wait(NPU_QUEUE_VECTOR, FLAG_O_FREE);
    for (uint32_t s = 0; s < p.slots; ++s) npu_wait(NPU_QUEUE_DMA, FLAG_KV_FREE + s);
    npu_fence((1u << NPU_QUEUE_DMA) | (1u << NPU_QUEUE_MATRIX) | (1u << NPU_QUEUE_VECTOR));
}
