// The arithmetic of the matrix unit (docs/npu.md, "Matrix unit"), as combinational functions:
//   pe_mac:   what a processing element computes each cycle: psum + a * w, INT8 x INT8 into a wrapping INT32 sum,
//             or BF16 x BF16 into an FP32 sum (bf16_mul, then fp32_add).
//   acc_update: what the write-back stores: the result, or (accumulate) the accumulator's value plus the result
//             (INT32 wrapping, or FP32 rounded to nearest even).
//   bf16_mul: BF16 x BF16 -> FP32. With 8 + 8 significant bits the product is exact whenever it is in FP32's
//             normal range; below it, it is rounded to an FP32 subnormal (round to nearest, ties to even), above it
//             it is infinity.
//   fp32_add: FP32 + FP32 -> FP32, round to nearest, ties to even, with subnormals (no flush to zero).
// Both give the results of IEEE 754 binary32 arithmetic as an x86-64 host computes them (SSE, default MXCSR), which
// is what the model's matmul_bf16 does: the invalid operations (0 x inf, inf - inf) give the default NaN 0xFFC00000;
// a NaN operand is returned quieted (the first one if both are NaN). x + (-x) is +0.
package npu_arith_pkg;

  localparam logic [31:0] FP32_DEFAULT_NAN = 32'hFFC0_0000;

  // Round a finite non-zero-or-zero value to FP32 and pack it. The value is m * 2^(e - 127 - 26): m[26:3] holds
  // the 24-bit significand, m[2] the guard bit, m[1] the round bit, m[0] the sticky bit (the OR of everything
  // below). Either m[26] is set (normalised) or the value is below FP32's normal range; e may be 0 or negative
  // then, and the significand is shifted right into the subnormal position first.
  function automatic logic [31:0] round_pack(input logic sign, input logic signed [11:0] e_in,
                                             input logic [26:0] m_in);
    /*verilator no_inline_task*/  // one C++ function for all PEs: build time and code size
    logic [26:0] m;
    logic signed [11:0] e;
    logic [4:0] sh;
    logic [26:0] lost;
    logic round_up;
    logic [24:0] sig;
    m = m_in;
    e = e_in;
    if (e < 12'sd1) begin
      // Subnormal: shift right by 1 - e (at most 27: anything further is below half the smallest subnormal).
      sh = (e < -12'sd25) ? 5'd27 : 5'(12'sd1 - e);
      lost = m & ((27'd1 << sh) - 27'd1);
      m = (m >> sh) | {26'd0, lost != 27'd0};
      e = 12'sd1;
    end
    round_up = m[2] & (m[1] | m[0] | m[3]);
    sig = {1'b0, m[26:3]} + {24'd0, round_up};
    if (sig[24]) begin  // 1.11...1 rounded up to 10.00...0
      sig = sig >> 1;
      e = e + 12'sd1;
    end
    if (e >= 12'sd255) return {sign, 8'hFF, 23'd0};
    // A subnormal significand (sig[23] clear, e == 1) takes the biased exponent 0.
    return {sign, sig[23] ? e[7:0] : 8'd0, sig[22:0]};
  endfunction

  // Index of the most significant set bit of a non-zero 16-bit value.
  function automatic logic [3:0] msb16(input logic [15:0] x);
    logic [3:0] idx;
    idx = 4'd0;
    for (int i = 0; i < 16; i++) if (x[i]) idx = 4'(i);
    return idx;
  endfunction

  // Number of leading zeros of a 27-bit value (27 if it is zero).
  function automatic logic [4:0] clz27(input logic [26:0] x);
    logic [4:0] n;
    n = 5'd27;
    for (int i = 0; i < 27; i++) if (x[i]) n = 5'(26 - i);
    return n;
  endfunction

  function automatic logic [31:0] bf16_mul(input logic [15:0] a, input logic [15:0] b);
    /*verilator no_inline_task*/  // one C++ function for all PEs: build time and code size
    logic sign, a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;
    logic [7:0] ma, mb, ea, eb;
    logic [15:0] p;
    logic [3:0] top;
    logic signed [11:0] e;
    sign = a[15] ^ b[15];
    a_nan = a[14:7] == 8'hFF && a[6:0] != 7'd0;
    b_nan = b[14:7] == 8'hFF && b[6:0] != 7'd0;
    a_inf = a[14:7] == 8'hFF && a[6:0] == 7'd0;
    b_inf = b[14:7] == 8'hFF && b[6:0] == 7'd0;
    a_zero = a[14:0] == 15'd0;
    b_zero = b[14:0] == 15'd0;
    if (a_nan) return {a | 16'h0040, 16'd0};
    if (b_nan) return {b | 16'h0040, 16'd0};
    if (a_inf || b_inf) return (a_zero || b_zero) ? FP32_DEFAULT_NAN : {sign, 8'hFF, 23'd0};
    if (a_zero || b_zero) return {sign, 31'd0};
    // value = ma * 2^(ea' - 134) with ea' = max(ea, 1) (the subnormal encoding has no implicit 1).
    ma = {a[14:7] != 8'd0, a[6:0]};
    mb = {b[14:7] != 8'd0, b[6:0]};
    p = 16'(ma) * 16'(mb);
    top = msb16(p);
    // p * 2^(ea' + eb' - 268), normalised to m = p << (26 - top) with exponent e: m * 2^(e - 153).
    ea = (a[14:7] == 8'd0) ? 8'd1 : a[14:7];
    eb = (b[14:7] == 8'd0) ? 8'd1 : b[14:7];
    e = 12'(ea) + 12'(eb) + 12'(top) - 12'sd141;
    return round_pack(sign, e, 27'(p) << (5'd26 - 5'(top)));
  endfunction

  function automatic logic [31:0] fp32_add(input logic [31:0] a, input logic [31:0] b);
    /*verilator no_inline_task*/  // one C++ function for all PEs: build time and code size
    logic a_nan, b_nan, a_inf, b_inf;
    logic [31:0] x, y;  // |x| >= |y|
    logic [7:0] ex, ey;
    logic [26:0] mx, my, my_al, diff;
    logic [27:0] sum;
    logic [7:0] d;
    logic [4:0] lz, sh;
    logic signed [11:0] e;
    a_nan = a[30:23] == 8'hFF && a[22:0] != 23'd0;
    b_nan = b[30:23] == 8'hFF && b[22:0] != 23'd0;
    a_inf = a[30:23] == 8'hFF && a[22:0] == 23'd0;
    b_inf = b[30:23] == 8'hFF && b[22:0] == 23'd0;
    if (a_nan) return a | 32'h0040_0000;
    if (b_nan) return b | 32'h0040_0000;
    if (a_inf && b_inf) return (a[31] == b[31]) ? a : FP32_DEFAULT_NAN;
    if (a_inf) return a;
    if (b_inf) return b;
    if (b[30:0] > a[30:0]) begin
      x = b;
      y = a;
    end else begin
      x = a;
      y = b;
    end
    ex = (x[30:23] == 8'd0) ? 8'd1 : x[30:23];
    ey = (y[30:23] == 8'd0) ? 8'd1 : y[30:23];
    mx = {x[30:23] != 8'd0, x[22:0], 3'b000};
    my = {y[30:23] != 8'd0, y[22:0], 3'b000};
    d = ex - ey;
    if (d >= 8'd27) my_al = {26'd0, my != 27'd0};
    else my_al = (my >> d) | {26'd0, (my & ((27'd1 << d) - 27'd1)) != 27'd0};
    if (x[31] == y[31]) begin
      sum = {1'b0, mx} + {1'b0, my_al};
      if (sum[27]) return round_pack(x[31], 12'(ex) + 12'sd1, sum[27:1] | {26'd0, sum[0]});
      return round_pack(x[31], 12'(ex), sum[26:0]);
    end
    diff = mx - my_al;
    if (diff == 27'd0) return 32'd0;  // exact cancellation: +0 when rounding to nearest
    // Normalise left, but not below the smallest exponent (the result is then subnormal). When anything was
    // shifted out of y (d >= 2) at most one position of cancellation is possible, so guard/round/sticky suffice.
    lz = clz27(diff);
    sh = (12'(lz) > 12'(ex) - 12'sd1) ? 5'(ex - 8'd1) : lz;
    e = 12'(ex) - 12'(sh);
    return round_pack(x[31], e, diff << sh);
  endfunction

  function automatic logic [31:0] pe_mac(input logic fp, input logic [31:0] psum, input logic [15:0] a,
                                         input logic [15:0] w);
    /*verilator no_inline_task*/  // one C++ function for all PEs (and the FP path only evaluated when used)
    logic signed [15:0] product;
    if (fp) return fp32_add(psum, bf16_mul(a, w));
    product = $signed(a[7:0]) * $signed(w[7:0]);
    return psum + {{16{product[15]}}, product};
  endfunction

  function automatic logic [31:0] acc_update(input logic accumulate, input logic fp, input logic [31:0] old,
                                             input logic [31:0] result);
    /*verilator no_inline_task*/
    if (!accumulate) return result;
    if (fp) return fp32_add(old, result);
    return old + result;
  endfunction

endpackage
