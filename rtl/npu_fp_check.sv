// A combinational window on the FP units (npu_arith_pkg.sv) for the cross-check's FP self-test: it compares them with
// the host's IEEE arithmetic on millions of operand pairs, far more than the array's cases reach.
module npu_fp_check
  import npu_arith_pkg::*;
(
    input  logic [31:0] add_a,
    input  logic [31:0] add_b,
    output logic [31:0] add_sum,
    input  logic [15:0] mul_a,
    input  logic [15:0] mul_b,
    output logic [31:0] mul_product
);
  assign add_sum     = fp32_add(add_a, add_b);
  assign mul_product = bf16_mul(mul_a, mul_b);
endmodule
