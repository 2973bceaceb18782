// The verilated top: the matrix unit (npu_matrix_unit.sv) with its accumulator memory (npu_acc_mem.sv). Ports as
// the unit's, plus the memory's host port. See docs/npu.md, "RTL".
module npu_matrix_top #(
    parameter int ROWS = 8,
    parameter int COLS = 8,
    parameter int ACC_ROWS = 4096,
    localparam int AW = $clog2(ACC_ROWS)
) (
    input logic clk,
    input logic rst_n,

    input  logic                       w_valid,
    output logic                       w_ready,
    input  logic [$clog2(ROWS+1)-1:0]  w_k,
    input  logic [$clog2(COLS+1)-1:0]  w_n,
    input  logic [15:0]                w_after,
    input  logic [COLS-1:0][15:0]      w_data,

    input  logic                       a_valid,
    output logic                       a_ready,
    input  logic [15:0]                a_m,
    input  logic [AW-1:0]              a_addr,
    input  logic                       a_acc,
    input  logic                       a_fp,
    input  logic [7:0]                 a_tag,
    input  logic [15:0]                a_after,
    input  logic [ROWS-1:0][15:0]      a_data,

    output logic [COLS-1:0]            done,
    output logic [COLS-1:0][7:0]       done_tag,

    input  logic [AW-1:0]              host_addr,
    input  logic                       host_we,
    input  logic [COLS-1:0][31:0]      host_wdata,
    output logic [COLS-1:0][31:0]      host_rdata
);
  logic [COLS-1:0][AW-1:0] acc_addr;
  logic [COLS-1:0][31:0]   acc_rdata;
  logic [COLS-1:0]         acc_we;
  logic [COLS-1:0][31:0]   acc_wdata;

  npu_matrix_unit #(
      .ROWS    (ROWS),
      .COLS    (COLS),
      .ACC_ROWS(ACC_ROWS)
  ) unit (
      .clk,
      .rst_n,
      .w_valid,
      .w_ready,
      .w_k,
      .w_n,
      .w_after,
      .w_data,
      .a_valid,
      .a_ready,
      .a_m,
      .a_addr,
      .a_acc,
      .a_fp,
      .a_tag,
      .a_after,
      .a_data,
      .done,
      .done_tag,
      .acc_addr,
      .acc_rdata,
      .acc_we,
      .acc_wdata
  );

  npu_acc_mem #(
      .COLS (COLS),
      .DEPTH(ACC_ROWS)
  ) acc_mem (
      .clk,
      .addr (acc_addr),
      .rdata(acc_rdata),
      .we   (acc_we),
      .wdata(acc_wdata),
      .host_addr,
      .host_we,
      .host_wdata,
      .host_rdata
  );
endmodule
