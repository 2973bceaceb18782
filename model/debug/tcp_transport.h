// POSIX TCP sockets for the GDB stub: a listener (127.0.0.1 by default, SO_REUSEADDR, port 0 = the OS picks) and
// one connection at a time (TCP_NODELAY: the protocol is small request/reply packets). Everything takes a timeout,
// so the server's loop never blocks for longer than it chooses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace npuemu::debug {

class TcpConnection {
public:
    explicit TcpConnection(int fd);
    ~TcpConnection();
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Waits up to timeout_ms (0: do not wait, -1: forever) for bytes. Returns the count read, 0 if none arrived,
    // -1 once the peer has closed the connection or it failed.
    long receive(char* buffer, size_t size, int timeout_ms);
    // Sends everything (blocking); false if the peer is gone. Never raises SIGPIPE.
    bool send_all(const std::string& bytes);
    int fd() const { return fd_; }

private:
    int fd_;
};

class TcpListener {
public:
    // Binds host:port and listens. Throws npuemu::Error with a message naming both when it cannot.
    TcpListener(const std::string& host, uint16_t port);
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    uint16_t port() const { return port_; }
    const std::string& host() const { return host_; }
    bool is_loopback() const { return loopback_; }
    // A connection that arrived within timeout_ms (0: do not wait, -1: forever), or nullptr.
    std::unique_ptr<TcpConnection> accept(int timeout_ms);
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::string host_;
    uint16_t port_ = 0;
    bool loopback_ = true;
};

// Waits until fd_a or fd_b (either may be -1) is readable, up to timeout_ms. Returns a bit mask: 1 = a, 2 = b.
int wait_readable(int fd_a, int fd_b, int timeout_ms);

}  // namespace npuemu::debug
