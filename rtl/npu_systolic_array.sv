// The ROWS x COLS weight-stationary systolic array: processing elements (npu_pe.sv), the skew registers at its left
// and top edges, and the control tokens that say where and when each result leaves it.
//
// Timing (cycle x = the cycle an activation row is presented at the left edge, `in_valid`):
//   - element r of the row reaches PE(r, 0) in cycle x + r (row r's skew is r registers) and PE(r, c) in x + r + c;
//   - PE(r, c) adds its product to the partial sum PE(r - 1, c) computed in the previous cycle, so PE(k - 1, c) has
//     the row's dot product with weight column c in its psum register during cycle x + k + c: the result "leaves the
//     bottom" of the k-row block at x + k - 1 + c and is available to the write-back one cycle later.
//   - the weight row presented at the top edge in cycle y (`w_valid`) enters column c in cycle y + c.
//   - each activation row comes with a control token (`in_tok_*`). It walks down a control column beside the array,
//     one row per cycle, leaves it at row kidx = k - 1 (in step with the partial sums), then walks along a control
//     row under the array, one column per cycle: out_tok_*[c] describes the result out_psum[c] of column c, whose
//     psum register is selected by the token's kidx. The unit keeps the tokens of successive rows from leaving the
//     control column in the same cycle (a row with a smaller k right behind one with a larger k).
module npu_systolic_array #(
    parameter int ROWS = 8,
    parameter int COLS = 8,
    parameter int KW = 3,  // width of kidx (k - 1)
    parameter int PW = 8   // width of the opaque token payload
) (
    input logic clk,
    input logic rst_n,

    // left edge: an activation row this cycle (elements of rows >= k are zero)
    input logic                       in_valid,
    input logic                       in_swap,  // first row of a matmul that takes the shadow weights
    input logic                       in_fp,
    input logic [ROWS-1:0][15:0]      in_data,
    input logic [KW-1:0]              in_tok_kidx,
    input logic [PW-1:0]              in_tok_payload,

    // top edge: a weight row this cycle (loads send row k - 1 first, row 0 last)
    input logic                       w_valid,
    input logic                       w_first,
    input logic [COLS-1:0][15:0]      w_data,

    // bottom edge: per column, the result to write this cycle
    output logic [COLS-1:0]           out_valid,
    output logic [COLS-1:0][PW-1:0]   out_payload,
    output logic [COLS-1:0][31:0]     out_psum
);
  // ---- left edge: row r's activations are delayed by r cycles ----
  // (Unpacked arrays between the PEs: Verilator keeps them as C arrays rather than one very wide word.)
  logic [15:0] row_act [ROWS];  // what enters PE(r, 0) this cycle
  logic        row_swap[ROWS];
  logic        row_fp  [ROWS];

  assign row_act[0]  = in_data[0];
  assign row_swap[0] = in_valid && in_swap;
  assign row_fp[0]   = in_fp;

  for (genvar r = 1; r < ROWS; r++) begin : g_skew_left
    logic [15:0] act_q [r];
    logic        swap_q[r];
    logic        fp_q  [r];
    always_ff @(posedge clk) begin
      act_q[0] <= in_data[r];
      fp_q[0]  <= in_fp;
      for (int d = 1; d < r; d++) begin
        act_q[d] <= act_q[d-1];
        fp_q[d]  <= fp_q[d-1];
      end
    end
    always_ff @(posedge clk or negedge rst_n) begin
      if (!rst_n) begin
        for (int d = 0; d < r; d++) swap_q[d] <= 1'b0;
      end
      else begin
        swap_q[0] <= in_valid && in_swap;
        for (int d = 1; d < r; d++) swap_q[d] <= swap_q[d-1];
      end
    end
    assign row_act[r]  = act_q[r-1];
    assign row_swap[r] = swap_q[r-1];
    assign row_fp[r]   = fp_q[r-1];
  end

  // ---- top edge: column c's weights are delayed by c cycles ----
  logic [15:0] col_w     [COLS];
  logic        col_wload [COLS];
  logic        col_wfirst[COLS];

  assign col_w[0]      = w_data[0];
  assign col_wload[0]  = w_valid;
  assign col_wfirst[0] = w_first;

  for (genvar c = 1; c < COLS; c++) begin : g_skew_top
    logic [15:0] w_q    [c];
    logic        load_q [c];
    logic        first_q[c];
    always_ff @(posedge clk) begin
      w_q[0] <= w_data[c];
      for (int d = 1; d < c; d++) w_q[d] <= w_q[d-1];
    end
    always_ff @(posedge clk or negedge rst_n) begin
      if (!rst_n) begin
        for (int d = 0; d < c; d++) begin
          load_q[d]  <= 1'b0;
          first_q[d] <= 1'b0;
        end
      end else begin
        load_q[0]  <= w_valid;
        first_q[0] <= w_first;
        for (int d = 1; d < c; d++) begin
          load_q[d]  <= load_q[d-1];
          first_q[d] <= first_q[d-1];
        end
      end
    end
    assign col_w[c]      = w_q[c-1];
    assign col_wload[c]  = load_q[c-1];
    assign col_wfirst[c] = first_q[c-1];
  end

  // ---- the processing elements ----
  // act/swap/fp run along the rows (index c = input of column c, c = COLS is the right edge);
  // psum/shadow/wshift run down the columns (index r = input of row r, r = ROWS is the bottom edge).
  logic [15:0] act_h   [ROWS][COLS+1];
  logic        swap_h  [ROWS][COLS+1];
  logic        fp_h    [ROWS][COLS+1];
  logic [31:0] psum_v  [COLS][ROWS+1];
  logic [15:0] shadow_v[COLS][ROWS+1];
  logic        wshift_v[COLS][ROWS+1];

  for (genvar r = 0; r < ROWS; r++) begin : g_row
    assign act_h[r][0]  = row_act[r];
    assign swap_h[r][0] = row_swap[r];
    assign fp_h[r][0]   = row_fp[r];
    for (genvar c = 0; c < COLS; c++) begin : g_col
      if (r == 0) begin : g_top
        assign psum_v[c][0]   = 32'd0;  // +0.0 for BF16, 0 for INT8
        assign shadow_v[c][0] = col_w[c];
        assign wshift_v[c][0] = 1'b1;
      end
      npu_pe #(
          .TOP_ROW(r == 0)
      ) pe (
          .clk,
          .rst_n,
          .act_in      (act_h[r][c]),
          .swap_in     (swap_h[r][c]),
          .fp_in       (fp_h[r][c]),
          .act_out     (act_h[r][c+1]),
          .swap_out    (swap_h[r][c+1]),
          .fp_out      (fp_h[r][c+1]),
          .psum_in     (psum_v[c][r]),
          .psum_out    (psum_v[c][r+1]),
          .wload_in    (col_wload[c]),
          .wfirst_in   (col_wfirst[c]),
          .wshift_above(wshift_v[c][r]),
          .wdata_in    (shadow_v[c][r]),
          .wshift_out  (wshift_v[c][r+1]),
          .shadow_out  (shadow_v[c][r+1])
      );
    end
  end

  // ---- control column: the token of the row that entered r + 1 cycles ago is in tok_*[r] ----
  logic          tok_valid  [ROWS];
  logic [KW-1:0] tok_kidx   [ROWS];
  logic [PW-1:0] tok_payload[ROWS];

  always_ff @(posedge clk) begin
    tok_kidx[0]    <= in_tok_kidx;
    tok_payload[0] <= in_tok_payload;
    for (int r = 1; r < ROWS; r++) begin
      tok_kidx[r]    <= tok_kidx[r-1];
      tok_payload[r] <= tok_payload[r-1];
    end
  end
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      for (int r = 0; r < ROWS; r++) tok_valid[r] <= 1'b0;
    end else begin
      tok_valid[0] <= in_valid;
      // A token stops at its exit row: it goes no further down.
      for (int r = 1; r < ROWS; r++) tok_valid[r] <= tok_valid[r-1] && tok_kidx[r-1] != KW'(r - 1);
    end
  end

  // The token leaving the control column this cycle (at most one: the unit spaces them) enters the control row.
  logic          exit_valid;
  logic [KW-1:0] exit_kidx;
  logic [PW-1:0] exit_payload;

  always_comb begin
    exit_valid   = 1'b0;
    exit_kidx    = '0;
    exit_payload = '0;
    for (int r = 0; r < ROWS; r++) begin
      if (tok_valid[r] && tok_kidx[r] == KW'(r)) begin
        exit_valid   = 1'b1;
        exit_kidx    = tok_kidx[r];
        exit_payload = tok_payload[r];
      end
    end
  end

  // ---- control row and bottom edge: column c's token left the control column c cycles ago; its result comes
  // from the psum register of the token's last row ----
  logic [KW-1:0] out_kidx[COLS];

  assign out_valid[0]   = exit_valid;
  assign out_kidx[0]    = exit_kidx;
  assign out_payload[0] = exit_payload;

  for (genvar c = 1; c < COLS; c++) begin : g_bottom
    logic          valid_q;
    logic [KW-1:0] kidx_q;
    logic [PW-1:0] payload_q;
    always_ff @(posedge clk) begin
      kidx_q    <= out_kidx[c-1];
      payload_q <= out_payload[c-1];
    end
    always_ff @(posedge clk or negedge rst_n) begin
      if (!rst_n) valid_q <= 1'b0;
      else valid_q <= out_valid[c-1];
    end
    assign out_valid[c]   = valid_q;
    assign out_kidx[c]    = kidx_q;
    assign out_payload[c] = payload_q;
  end

  for (genvar c = 0; c < COLS; c++) begin : g_out
    assign out_psum[c] = psum_v[c][32'(out_kidx[c]) + 1];
  end

endmodule
