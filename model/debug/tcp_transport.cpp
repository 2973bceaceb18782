#include "model/debug/tcp_transport.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/common/error.h"

namespace npuemu::debug {

namespace {

int poll_retrying(pollfd* fds, nfds_t count, int timeout_ms) {
    for (;;) {
        const int n = ::poll(fds, count, timeout_ms);
        if (n >= 0 || errno != EINTR) return n;
    }
}

}  // namespace

int wait_readable(int fd_a, int fd_b, int timeout_ms) {
    pollfd fds[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
    if (poll_retrying(fds, 2, timeout_ms) <= 0) return 0;
    const short ready = POLLIN | POLLHUP | POLLERR;
    return (fd_a >= 0 && (fds[0].revents & ready) ? 1 : 0) | (fd_b >= 0 && (fds[1].revents & ready) ? 2 : 0);
}

TcpConnection::TcpConnection(int fd) : fd_(fd) {
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

TcpConnection::~TcpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

long TcpConnection::receive(char* buffer, size_t size, int timeout_ms) {
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = poll_retrying(&pfd, 1, timeout_ms);
    if (ready < 0) return -1;
    if (ready == 0) return 0;
    for (;;) {
        const ssize_t n = ::recv(fd_, buffer, size, 0);
        if (n > 0) return static_cast<long>(n);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;  // 0 = orderly shutdown by the peer, or an error
    }
}

bool TcpConnection::send_all(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

TcpListener::TcpListener(const std::string& host, uint16_t port) : host_(host) {
    const std::string where = host + ":" + std::to_string(port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (rc != 0 || !found) {
        throw Error("--gdb-host " + host + ": not an address this machine can listen on (" + gai_strerror(rc) + ")");
    }
    std::string failure;
    for (addrinfo* ai = found; ai; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) { failure = std::strerror(errno); continue; }
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 1) != 0) {
            failure = std::strerror(errno);
            ::close(fd);
            continue;
        }
        sockaddr_storage bound{};
        socklen_t length = sizeof bound;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
        if (bound.ss_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(&bound);
            port_ = ntohs(in->sin_port);
            loopback_ = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
        } else {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&bound);
            port_ = ntohs(in6->sin6_port);
            loopback_ = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
        }
        fd_ = fd;
        break;
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) throw Error("--gdb " + where + ": cannot listen for GDB there: " + failure);
}

TcpListener::~TcpListener() {
    if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<TcpConnection> TcpListener::accept(int timeout_ms) {
    if (!(wait_readable(fd_, -1, timeout_ms) & 1)) return nullptr;
    for (;;) {
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) return std::make_unique<TcpConnection>(fd);
        if (errno == EINTR) continue;
        return nullptr;
    }
}

}  // namespace npuemu::debug
