#!/usr/bin/env python3
"""A raw GDB-remote-protocol client that misbehaves on purpose against `npuemu run --gdb`: malformed packets, bad
checksums, an over-long packet, a second client, disconnecting while halted or running, Ctrl-C, kill, a port in use.
Each scenario checks the stub's defined behaviour (docs/gdb.md) and that npuemu ends as it should. Every wait is
bounded.

  gdb_robustness.py SCENARIO NPUEMU FIRMWARE_DIR
"""
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 30


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Npuemu:
    """npuemu run --gdb 0 [--gdb-wait] with its output in files; knows the port it listens on."""

    def __init__(self, npuemu, args, wait=True):
        self.dir = tempfile.TemporaryDirectory()
        self.out_path = os.path.join(self.dir.name, "stdout")
        self.err_path = os.path.join(self.dir.name, "stderr")
        self.command = [npuemu, "run", *args[:-1], "--gdb", "0"] + (["--gdb-wait"] if wait else []) + [args[-1]]
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        self.port = None
        while time.monotonic() < deadline and self.port is None:
            match = re.search(r"GDB stub listening on [^\s]+:(\d+)", self.stderr())
            if match:
                self.port = int(match.group(1))
            elif self.process.poll() is not None:
                break
            else:
                time.sleep(0.02)
        check(self.port is not None, "npuemu did not print its port")

    def stdout(self):
        with open(self.out_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait(self, timeout=TIMEOUT_S):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure("npuemu did not exit within %d s" % timeout)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.dir.cleanup()


class Client:
    """Just enough of a GDB client: framing, acks, replies."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        self.send_raw(b"$" + payload + b"#%02x" % (sum(payload) & 0xFF))

    def _fill(self, deadline):
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Failure("no reply within the time limit; had %r" % self.buffer[:200])
        if not data:
            raise Failure("the stub closed the connection; had %r" % self.buffer[:200])
        self.buffer += data

    def read_byte(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not self.buffer:
            self._fill(deadline)
        byte, self.buffer = self.buffer[:1], self.buffer[1:]
        return byte

    def reply(self, timeout=10):
        """The next packet's payload (acks before it are skipped; console 'O' packets are returned too)."""
        deadline = time.monotonic() + timeout
        while True:
            start = self.buffer.find(b"$")
            if start >= 0:
                end = self.buffer.find(b"#", start)
                if end >= 0 and len(self.buffer) >= end + 3:
                    payload = self.buffer[start + 1:end]
                    check(int(self.buffer[end + 1:end + 3], 16) == sum(payload) & 0xFF, "bad checksum from the stub")
                    self.buffer = self.buffer[end + 3:]
                    self.send_raw(b"+")
                    return payload.decode("latin-1")
            self._fill(deadline)

    def ask(self, payload, timeout=10):
        self.send(payload)
        return self.reply(timeout)

    def stop_reply(self, timeout=TIMEOUT_S):
        """The stop or exit reply after a resume, skipping console output packets."""
        while True:
            reply = self.reply(timeout)
            if not reply.startswith("O") or reply == "OK":
                return reply

    def handshake(self):
        check("PacketSize" in self.ask("qSupported:swbreak+;hwbreak+"), "qSupported")
        check(self.ask("?").startswith("T05"), "initial stop reply")

    def monitor(self, command):
        self.send("qRcmd," + command.encode().hex())
        text = ""
        while True:
            reply = self.reply()
            if reply.startswith("O") and reply != "OK":
                text += bytes.fromhex(reply[1:]).decode()
            else:
                return reply, text

    def close(self):
        self.sock.close()


def symbol_address(elf_path, name):
    """The value of a symbol in an ELF32 little-endian file (just enough parsing for our images)."""
    with open(elf_path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] == 2:  # SHT_SYMTAB
            strtab = sections[sh[6]]
            for offset in range(sh[4], sh[4] + sh[5], 16):
                st_name, st_value = struct.unpack_from("<II", data, offset)
                start = strtab[4] + st_name
                if data[start:data.index(b"\0", start)] == name.encode():
                    return st_value
    raise Failure("no symbol " + name + " in " + elf_path)


# ---------------------------------------------------------------------------------------------------------------
# Scenarios

def bad_packets(npuemu, fw):
    run = Npuemu(npuemu, ["-c", "test", fw + "/hello.elf"])
    try:
        c = Client(run.port)
        c.send_raw(b"garbage between packets\r\n")
        c.send_raw(b"$qC#00")  # bad checksum
        check(c.read_byte() == b"-", "a bad checksum gets a NAK")
        c.send_raw(b"$qC#zz")  # malformed checksum
        check(c.read_byte() == b"-", "a malformed checksum gets a NAK")
        c.send_raw(b"$" + b"a" * 100000 + b"#00")  # over-long
        check(c.read_byte() == b"-", "an over-long packet gets a NAK")
        c.send_raw(b"$half a packet$qC#b4")  # a '$' restarts the packet
        check(c.read_byte() == b"-", "an abandoned packet gets a NAK")
        check(c.reply() == "QC1", "the packet after an abandoned one is served")
        c.handshake()
        for packet in ["m80000000", "mxyz,4", "M80000000,4:zz", "X80000000,4:ab", "Z0", "Z2,80400000,0",
                       "P1=zz", "Hg99", "vCont;q", "vCont;c:99", "qRcmd,zz", "G1234", "pzz"]:
            check(c.ask(packet) == "E01", "malformed %r gets E01" % packet)
        check(c.ask("m0,4") == "E14", "unmapped memory gets E14")
        check(c.ask("qNoSuchQuery") == "", "an unknown query gets the empty reply")
        check(c.ask("!") == "", "extended mode is not supported")
        check(re.fullmatch("[0-9a-f]{264}", c.ask("g")) is not None, "g still answers 33 registers")
        check(re.fullmatch("[0-9a-f]{8}", c.ask("m80000000,4")) is not None, "memory still reads")
        check(c.ask("vCont;c") == "W00", "the run continues to its end and exits 0")
        c.close()
        check(run.wait() == 0, "npuemu exits 0")
        check(run.stdout().count("hello from hart") == 4, "every hart printed")
    finally:
        run.close()


def second_client(npuemu, fw):
    run = Npuemu(npuemu, ["-c", "test", fw + "/hello.elf"])
    try:
        a = Client(run.port)
        a.handshake()
        b = Client(run.port)
        b.sock.settimeout(10)
        try:
            data = b.sock.recv(100)
        except ConnectionResetError:
            data = b""
        check(data == b"", "the second client is closed at once")
        check(a.ask("qC") == "QC1", "the first client is still served")
        check(a.ask("vCont;c") == "W00", "the first client sees the run exit")
        check(run.wait() == 0, "npuemu exits 0")
        check("refused a second GDB connection" in run.stderr(), "npuemu says it refused a client")
    finally:
        run.close()


def disconnect_halted(npuemu, fw):
    image = fw + "/hello.elf"
    run = Npuemu(npuemu, ["-c", "test", image])
    try:
        c = Client(run.port)
        c.handshake()
        check(c.ask("Z0,%x,4" % symbol_address(image, "main")) == "OK", "breakpoint at main")
        stop = c.ask("vCont;c", TIMEOUT_S)
        check(stop.startswith("T05") and "swbreak" in stop, "stops at the breakpoint: %r" % stop)
        c.close()  # gone while the chip is halted, with a breakpoint inserted
        check(run.wait() == 0, "the run goes on to its end")
        check(run.stdout().count("hello from hart") == 4, "every hart printed")
        check("GDB disconnected; the run goes on" in run.stderr(), "npuemu says the client left")
    finally:
        run.close()


def disconnect_running(npuemu, fw):
    run = Npuemu(npuemu, ["--set", "chip.tiles=2", fw + "/cpubench.elf"])
    try:
        c = Client(run.port)
        c.handshake()
        c.send("vCont;c")
        c.send_raw(b"$m8000")  # and half a packet for good measure
        c.close()
        check(run.wait() == 0, "the run goes on to its end")
        check(run.stdout().count("checksum") == 2, "every hart finished the benchmark")
    finally:
        run.close()


def interrupt_and_kill(npuemu, fw):
    run = Npuemu(npuemu, ["-c", "test", "--set", "chip.tiles=1", fw + "/spin_forever.elf"])
    try:
        c = Client(run.port)
        c.handshake()
        for _ in range(2):
            c.send("vCont;c")
            time.sleep(0.3)
            c.send_raw(b"\x03")
            stop = c.stop_reply(10)
            check(stop.startswith("T02") and "thread:1;" in stop, "Ctrl-C stops with SIGINT: %r" % stop)
            pc = int.from_bytes(bytes.fromhex(c.ask("p20")), "little")
            check(0x80000000 <= pc < 0x80400000, "pc is in the firmware: %#x" % pc)
        # While halted, simulated time does not advance.
        _, first = c.monitor("cycles")
        time.sleep(0.5)
        _, second = c.monitor("cycles")
        check("simulated time" in first and first == second, "time stands still while halted:\n%s\n%s" % (first, second))
        check(re.search(r"hart 0 \(tile0\): [1-9]\d* cycles", first) is not None, "monitor cycles: %r" % first)
        c.send("k")
        check(run.wait(10) == 137, "kill ends npuemu with status 137")
        check("killed" in run.stderr(), "the summary says the run was killed")
    finally:
        run.close()


def attach_while_running(npuemu, fw):
    run = Npuemu(npuemu, ["-c", "test", "--set", "chip.tiles=1", "--max-cycles", "2000000000",
                          fw + "/spin_forever.elf"], wait=False)
    try:
        time.sleep(0.3)
        c = Client(run.port)  # the run is under way: connecting halts it
        c.handshake()
        reply, text = c.monitor("cycles")
        check(reply == "OK" and re.search(r"hart 0 \(tile0\): [1-9]\d* cycles", text) is not None,
              "halted mid-run: %r" % text)
        check(c.ask("D") == "OK", "detach")
        c.close()
        run.process.kill()  # spins forever: the test is over
    finally:
        run.close()


def port_in_use(npuemu, fw):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        done = subprocess.run([npuemu, "run", "-c", "test", "--gdb", str(port), fw + "/hello.elf"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT_S)
        check(done.returncode == 125, "exit status %d, expected 125" % done.returncode)
        err = done.stderr.decode()
        check("--gdb 127.0.0.1:%d: cannot listen for GDB there" % port in err, "clear message: %r" % err)
        check(b"hello" not in done.stdout, "nothing was simulated")
    finally:
        holder.close()


SCENARIOS = {f.__name__.replace("_", "-"): f for f in
             [bad_packets, second_client, disconnect_halted, disconnect_running, interrupt_and_kill,
              attach_while_running, port_in_use]}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in SCENARIOS:
        print("usage: gdb_robustness.py {%s} NPUEMU FIRMWARE_DIR" % ",".join(SCENARIOS))
        return 2
    try:
        SCENARIOS[sys.argv[1]](sys.argv[2], sys.argv[3])
    except Failure as failure:
        print("FAIL: %s" % failure)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
