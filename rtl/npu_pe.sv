// One processing element of the weight-stationary array (npu_systolic_array.sv).
//
// Each cycle it multiplies the activation arriving from the left by its active weight, adds the partial sum arriving
// from above, and registers the activation (to the right) and the new partial sum (down): INT8 x INT8 with an INT32
// wrapping sum, or BF16 x BF16 with an FP32 sum rounded to nearest even (npu_arith_pkg), as the activation's fp bit
// says.
//
// Two weight registers: `active` is what the MAC uses; `shadow` is loaded through the column's shift chain while the
// array computes. The first activation of a matmul that takes new weights carries `swap`: the PE computes that
// activation with the shadow weight and makes it active. The swap travels with the activations (one column per
// cycle) just as the weight loads travel down the columns behind it, so every PE switches exactly between the last
// activation of one matmul and the first of the next.
//
// The shift chain: during a load, a weight row enters the top of the column each cycle, bottom row first. The PE at
// row r starts shifting r cycles after the load's first row entered the column (it takes from the PE above only
// once that one has shifted), so a load never overwrites a shadow weight before the swap wave that started with the
// load's predecessor matmul has taken it.
module npu_pe
  import npu_arith_pkg::*;
#(
    parameter bit TOP_ROW = 1'b0  // row 0: shifts whenever a weight row is at the column's top
) (
    input  logic        clk,
    input  logic        rst_n,
    // activations from the left, with the control bits that travel with them
    input  logic [15:0] act_in,
    input  logic        swap_in,
    input  logic        fp_in,
    output logic [15:0] act_out,
    output logic        swap_out,
    output logic        fp_out,
    // partial sums from above
    input  logic [31:0] psum_in,
    output logic [31:0] psum_out,
    // weight shift chain (down the column)
    input  logic        wload_in,      // a weight row is at the top of this column this cycle
    input  logic        wfirst_in,     // and it is the first row of a load
    input  logic        wshift_above,  // the PE above shifted in the previous cycle
    input  logic [15:0] wdata_in,      // the PE above's shadow weight (the column's input, for the top row)
    output logic        wshift_out,
    output logic [15:0] shadow_out
);
  logic [15:0] active;
  logic [15:0] w;
  logic shift_en;

  assign shift_en = wload_in && (TOP_ROW || (wshift_above && !wfirst_in));
  assign w = swap_in ? shadow_out : active;

  always_ff @(posedge clk) begin
    act_out <= act_in;
    fp_out  <= fp_in;
    if (swap_in) active <= shadow_out;
    if (shift_en) shadow_out <= wdata_in;
    psum_out <= pe_mac(fp_in, psum_in, act_in, w);
  end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      swap_out   <= 1'b0;
      wshift_out <= 1'b0;
    end else begin
      swap_out   <= swap_in;
      wshift_out <= shift_en;
    end
  end

endmodule
