// The matrix unit: a ROWS x COLS weight-stationary systolic array (npu_systolic_array.sv) with its two instruction
// engines and the write-back into the accumulator memory. The arithmetic and timing are the model's
// (docs/npu.md, "Matrix unit" and "RTL"; model/npu/systolic_timing.h and model/npu/matmul_kernels.cpp).
//
// Instructions arrive on two valid/ready ports, one row per handshake (the descriptor fields are read with the
// first row of an instruction):
//   weight port   load_weights: k rows of a k x n block (1 <= k <= ROWS, 1 <= n <= COLS), row k - 1 first, row 0
//                 last (they shift down the columns); into the shadow weights, one row per cycle.
//   activation    matmul: m rows (m >= 1) of k activations, one per cycle, into the array; the results of row i
//   port          go to accumulator row acc_addr + i, columns 0 .. n - 1, added to the INT32 / FP32 value there if
//                 `acc` is set, written over it if not. k and n are those of the weights the matmul uses.
// Program order between the ports comes with each instruction: `after` is the number of instructions of the other
// kind between it and the previous instruction of its own kind. A load begins once the matmuls before it have begun
// (their weights are taken; it may begin in the same cycle as the last of them); a matmul begins once the loads
// before it are complete, and if there are any (a_after > 0) it makes the newest one's weights active.
// (Matmuls begin in order and a load waits for the matmuls before it, so the matmuls that began since the previous
// load began are exactly those after it in program order; likewise for the loads completed since the previous
// matmul began.)
//
// Cycle rules (SystolicTiming), with the cycle of an instruction's first handshake as its begin:
//   load     begin >= previous load's end, begin >= begin of the matmul before it; end = begin + k.
//   matmul   begin >= previous matmul's stream end, >= end of the load before it, and begin + k >= previous
//            matmul's stream end + its k (its first results must reach the accumulator after the previous matmul's
//            last ones: each column has one write port); stream end = begin + m.
//   result (i, j) is written in cycle begin + i + j + k; the `done` pin of column n - 1 pulses with the
//   instruction's tag in the cycle its last result (m - 1, n - 1) is written: completion = that cycle + 1
//   = begin + m + k + n - 1.
module npu_matrix_unit
  import npu_arith_pkg::*;
#(
    parameter int ROWS = 8,
    parameter int COLS = 8,
    parameter int ACC_ROWS = 4096,
    localparam int KW = (ROWS > 1) ? $clog2(ROWS) : 1,
    localparam int NW = (COLS > 1) ? $clog2(COLS) : 1,
    localparam int AW = $clog2(ACC_ROWS)
) (
    input logic clk,
    input logic rst_n,

    // weight port (load_weights)
    input  logic                       w_valid,
    output logic                       w_ready,
    input  logic [$clog2(ROWS+1)-1:0]  w_k,
    input  logic [$clog2(COLS+1)-1:0]  w_n,
    input  logic [15:0]                w_after,  // matmuls since the previous load
    input  logic [COLS-1:0][15:0]      w_data,   // INT8 in bits 7:0, or BF16

    // activation port (matmul)
    input  logic                       a_valid,
    output logic                       a_ready,
    input  logic [15:0]                a_m,
    input  logic [AW-1:0]              a_addr,
    input  logic                       a_acc,    // accumulate (1) or overwrite (0)
    input  logic                       a_fp,     // BF16 x BF16 -> FP32 (1) or INT8 x INT8 -> INT32 (0)
    input  logic [7:0]                 a_tag,    // returned on `done`
    input  logic [15:0]                a_after,  // loads since the previous matmul
    input  logic [ROWS-1:0][15:0]      a_data,

    // per column: the instruction (tag) whose last result is written this cycle
    output logic [COLS-1:0]            done,
    output logic [COLS-1:0][7:0]       done_tag,

    // accumulator memory, one read-modify-write port per column (asynchronous read)
    output logic [COLS-1:0][AW-1:0]    acc_addr,
    input  logic [COLS-1:0][31:0]      acc_rdata,
    output logic [COLS-1:0]            acc_we,
    output logic [COLS-1:0][31:0]      acc_wdata
);
  // ---------------- weight engine ----------------
  logic          w_busy;         // inside a load (its first row has been taken)
  logic [KW:0]   w_left;         // rows still to come
  logic [15:0]   mm_since_load;  // matmuls begun since the current/previous load began (saturating)
  logic [KW-1:0] shadow_kidx;    // k - 1 and n - 1 of the newest load
  logic [NW-1:0] shadow_nidx;
  logic          w_fire, w_first, w_last;
  logic          a_first;

  // A matmul beginning this cycle counts: it is one before the load (one after it would wait for it).
  assign w_ready = w_busy || (17'(mm_since_load) + 17'(a_first) >= 17'(w_after));
  assign w_fire  = w_valid && w_ready;
  assign w_first = w_fire && !w_busy;
  assign w_last  = w_fire && (w_busy ? (w_left == (KW+1)'(1)) : (32'(w_k) == 1));

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      w_busy        <= 1'b0;
      w_left        <= '0;
      mm_since_load <= '0;
      shadow_kidx   <= '0;
      shadow_nidx   <= '0;
    end else begin
      if (w_fire) begin
        if (w_first) begin
          shadow_kidx <= KW'(32'(w_k) - 1);
          shadow_nidx <= NW'(32'(w_n) - 1);
          w_left      <= (KW+1)'(32'(w_k) - 1);
        end else begin
          w_left <= w_left - 1'b1;
        end
        w_busy <= !w_last;
      end
      if (w_first) mm_since_load <= '0;
      else if (a_first && mm_since_load != 16'hFFFF) mm_since_load <= mm_since_load + 16'd1;
    end
  end

  // ---------------- stream engine ----------------
  logic          s_busy;       // inside a matmul
  logic [15:0]   s_left;       // rows still to come
  logic [AW-1:0] s_addr;       // accumulator row of the next activation row
  logic          s_acc, s_fp;
  logic [7:0]    s_tag;
  logic [KW-1:0] act_kidx;     // the active weights' k - 1, n - 1
  logic [NW-1:0] act_nidx;
  logic [15:0]   loads_since_mm;  // loads completed since the current/previous matmul began (saturating)
  logic [KW-1:0] exit_wait;    // cycles until the last token in flight has left the control column (0: none)
  logic          swap, a_fire, a_last;
  logic [KW-1:0] cur_kidx;
  logic [NW-1:0] cur_nidx;
  logic [AW-1:0] cur_addr;
  logic          cur_acc, cur_fp;
  logic [7:0]    cur_tag;

  assign swap     = loads_since_mm != 16'd0;  // the weights of the newest load are not active yet
  assign cur_kidx = s_busy ? act_kidx : (swap ? shadow_kidx : act_kidx);
  assign cur_nidx = s_busy ? act_nidx : (swap ? shadow_nidx : act_nidx);
  assign cur_addr = s_busy ? s_addr : a_addr;
  assign cur_acc  = s_busy ? s_acc : a_acc;
  assign cur_fp   = s_busy ? s_fp : a_fp;
  assign cur_tag  = s_busy ? s_tag : a_tag;
  // A first row may enter when the loads before it are complete and its results will leave the array after the
  // previous matmul's (its first token leaves the control column k cycles from now, the last one in flight
  // exit_wait cycles from now).
  assign a_ready  = s_busy || (loads_since_mm >= a_after && cur_kidx >= exit_wait);
  assign a_fire   = a_valid && a_ready;
  assign a_first  = a_fire && !s_busy;
  assign a_last   = a_fire && (s_busy ? (s_left == 16'd1) : (a_m == 16'd1));

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      s_busy        <= 1'b0;
      s_left        <= '0;
      s_addr        <= '0;
      s_acc         <= 1'b0;
      s_fp          <= 1'b0;
      s_tag         <= '0;
      act_kidx      <= '0;
      act_nidx      <= '0;
      loads_since_mm <= '0;
      exit_wait     <= '0;
    end else begin
      if (a_fire) begin
        if (a_first) begin
          s_left <= a_m - 16'd1;
          s_acc  <= a_acc;
          s_fp   <= a_fp;
          s_tag  <= a_tag;
          if (swap) begin
            act_kidx <= shadow_kidx;
            act_nidx <= shadow_nidx;
          end
        end else begin
          s_left <= s_left - 16'd1;
        end
        s_addr <= cur_addr + 1'b1;
        s_busy <= !a_last;
      end
      // A load completing in the cycle a matmul begins comes after it (the matmul could not have used it).
      if (a_first) loads_since_mm <= {15'd0, w_last};
      else if (w_last && loads_since_mm != 16'hFFFF) loads_since_mm <= loads_since_mm + 16'd1;
      if (a_fire) exit_wait <= cur_kidx;
      else if (exit_wait != '0) exit_wait <= exit_wait - 1'b1;
    end
  end

  // ---------------- the array ----------------
  // Token payload: {tag, last, fp, acc, addr, nidx}
  localparam int PW = 8 + 1 + 1 + 1 + AW + NW;
  logic [ROWS-1:0][15:0] in_data;
  logic [COLS-1:0] out_valid;
  logic [COLS-1:0][PW-1:0] out_payload;
  logic [COLS-1:0][31:0] out_psum;

  always_comb begin
    for (int r = 0; r < ROWS; r++) in_data[r] = (a_fire && KW'(r) <= cur_kidx) ? a_data[r] : 16'd0;
  end

  npu_systolic_array #(
      .ROWS(ROWS),
      .COLS(COLS),
      .KW  (KW),
      .PW  (PW)
  ) array (
      .clk,
      .rst_n,
      .in_valid      (a_fire),
      .in_swap       (a_first && swap),
      .in_fp         (cur_fp),
      .in_data       (in_data),
      .in_tok_kidx   (cur_kidx),
      .in_tok_payload({cur_tag, a_last, cur_fp, cur_acc, cur_addr, cur_nidx}),
      .w_valid       (w_fire),
      .w_first       (w_first),
      .w_data        (w_data),
      .out_valid,
      .out_payload,
      .out_psum
  );

  // ---------------- write-back: one result per column per cycle ----------------
  // Payload fields, lowest first.
  localparam int P_NIDX = 0, P_ADDR = NW, P_ACC = NW + AW, P_FP = P_ACC + 1, P_LAST = P_FP + 1, P_TAG = P_LAST + 1;

  for (genvar c = 0; c < COLS; c++) begin : g_acc_addr
    assign acc_addr[c] = out_payload[c][P_ADDR+:AW];
  end

  always_comb begin
    for (int c = 0; c < COLS; c++) begin
      acc_we[c]   = out_valid[c] && NW'(c) <= out_payload[c][P_NIDX+:NW];
      acc_wdata[c] = acc_update(out_payload[c][P_ACC], out_payload[c][P_FP], acc_rdata[c], out_psum[c]);
      done[c]     = out_valid[c] && out_payload[c][P_LAST] && NW'(c) == out_payload[c][P_NIDX+:NW];
      done_tag[c] = out_payload[c][P_TAG+:8];
    end
  end

endmodule
