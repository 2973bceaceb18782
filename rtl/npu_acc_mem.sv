// The accumulator memory as the matrix unit sees it (a model for simulation, not a macro): COLS banks of DEPTH
// 32-bit words, bank c holding column c of every accumulator row. Each bank has the unit's read-modify-write port
// (asynchronous read, write at the clock edge) and all banks share a host port that reads or writes a whole row,
// for the testbench to fill the memory before a run and read it back after.
module npu_acc_mem #(
    parameter int COLS = 8,
    parameter int DEPTH = 4096,
    localparam int AW = $clog2(DEPTH)
) (
    input logic clk,

    input  logic [COLS-1:0][AW-1:0] addr,
    output logic [COLS-1:0][31:0]   rdata,
    input  logic [COLS-1:0]         we,
    input  logic [COLS-1:0][31:0]   wdata,

    input  logic [AW-1:0]           host_addr,
    input  logic                    host_we,
    input  logic [COLS-1:0][31:0]   host_wdata,
    output logic [COLS-1:0][31:0]   host_rdata
);
  for (genvar c = 0; c < COLS; c++) begin : g_bank
    logic [31:0] mem[DEPTH];
    assign rdata[c]      = mem[addr[c]];
    assign host_rdata[c] = mem[host_addr];
    always_ff @(posedge clk) begin
      if (we[c]) mem[addr[c]] <= wdata[c];
      else if (host_we) mem[host_addr] <= host_wdata[c];
    end
  end
endmodule
