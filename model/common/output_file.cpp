#include "model/common/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace npuemu {

namespace {

std::string system_reason() { return std::strerror(errno); }

// Writes all of data to fd; false (errno set) on a short or failed write.
bool write_all(int fd, const void* data, size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, bytes, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        bytes += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// Writes into an existing non-regular file (a device, a FIFO) or through a dangling symlink, in place.
void write_in_place(const std::string& path, const void* data, size_t size, int flags) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags, 0666);
    if (fd < 0) throw OutputError(path + ": cannot write the file: " + system_reason());
    const bool ok = write_all(fd, data, size);
    const std::string reason = ok ? "" : system_reason();
    if (::close(fd) != 0 && ok) throw OutputError(path + ": error while writing: " + system_reason());
    if (!ok) throw OutputError(path + ": error while writing: " + reason);
}

}  // namespace

void write_output_file(const std::string& path, const std::string& text) {
    write_output_file(path, text.data(), text.size());
}

// The descriptor a path names when it is one of this process's open files (/dev/stdout, /dev/fd/3,
// /proc/self/fd/1), else -1. Such a path is written through the descriptor, at its current position: resolving it
// would find the file the shell redirected stdout to, and replacing that would lose what was written before.
int open_descriptor(const std::string& path) {
    if (path == "/dev/stdout") return STDOUT_FILENO;
    if (path == "/dev/stderr") return STDERR_FILENO;
    for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
        const std::string p(prefix);
        if (path.compare(0, p.size(), p) != 0 || path.size() == p.size() || path.size() > p.size() + 6) continue;
        if (path.find_first_not_of("0123456789", p.size()) != std::string::npos) continue;
        return std::atoi(path.c_str() + p.size());
    }
    return -1;
}

void write_descriptor(const std::string& path, int fd, const void* data, size_t size) {
    if (::fcntl(fd, F_GETFD) < 0) throw OutputError(path + ": cannot write the file: " + system_reason());
    if (!write_all(fd, data, size)) throw OutputError(path + ": error while writing: " + system_reason());
}

// What writing path replaces: path itself, or a symlink's target. Empty when path is a dangling symlink.
std::string resolve_output_target(const std::string& path) {
    struct stat link_info {};
    if (::lstat(path.c_str(), &link_info) != 0 || !S_ISLNK(link_info.st_mode)) return path;
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) return "";
    return resolved;
}

// A new file of a unique name beside target (O_EXCL: no existing file is ever opened, truncated or removed), with
// the mode the finished file should have. Returns its descriptor; name receives its path.
int create_output_temporary(const std::string& path, const std::string& target, std::string& name) {
    const std::string dir = parent_dir(target);
    const auto slash = target.rfind('/');
    const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
    name = (base.size() > 200 ? dir + "/.npuemu" : target) + ".tmp.XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) {
        throw OutputError(path + ": cannot write the file (does the directory exist, is it writable?): " +
                          system_reason());
    }
    struct stat info {};
    mode_t mode = 0;
    if (::stat(target.c_str(), &info) == 0) {
        mode = info.st_mode & 07777;
    } else {
        const mode_t mask = ::umask(0);
        ::umask(mask);
        mode = 0666 & ~mask;
    }
    if (::fchmod(fd, mode) != 0) {
        const std::string reason = system_reason();
        ::close(fd);
        ::unlink(name.c_str());
        throw OutputError(path + ": cannot write the file: " + reason);
    }
    return fd;
}

void write_output_file(const std::string& path, const void* data, size_t size) {
    if (const int fd = open_descriptor(path); fd >= 0) return write_descriptor(path, fd, data, size);
    const std::string target = resolve_output_target(path);
    if (target.empty()) return write_in_place(path, data, size, O_CREAT | O_TRUNC);  // a dangling link: its target
    struct stat info {};
    const bool exists = ::stat(target.c_str(), &info) == 0;
    if (exists && S_ISDIR(info.st_mode)) throw OutputError(path + ": cannot write the file: it is a directory");
    if (exists && !S_ISREG(info.st_mode)) return write_in_place(target, data, size, O_TRUNC);

    std::string temporary;
    const int fd = create_output_temporary(path, target, temporary);
    bool ok = write_all(fd, data, size);
    std::string reason = ok ? "" : system_reason();
    if (::close(fd) != 0 && ok) {
        ok = false;
        reason = system_reason();
    }
    if (ok && ::rename(temporary.c_str(), target.c_str()) != 0) {
        ok = false;
        reason = "cannot move the finished file into place: " + system_reason();
    }
    if (!ok) {
        ::unlink(temporary.c_str());
        throw OutputError(path + ": error while writing: " + reason);
    }
}

std::string reserve_output_temporary(const std::string& path) {
    std::string target = open_descriptor(path) >= 0 ? "" : resolve_output_target(path);
    struct stat info {};
    if (target.empty() || (::stat(target.c_str(), &info) == 0 && !S_ISREG(info.st_mode))) {
        // Copied into a device, a FIFO or an open descriptor at the end: the temporary goes where temporaries go.
        const char* dir = std::getenv("TMPDIR");
        target = std::string(dir && *dir ? dir : "/tmp") + "/npuemu-output";
    }
    std::string temporary;
    ::close(create_output_temporary(path, target, temporary));
    return temporary;
}

void install_output_file(const std::string& temporary, const std::string& path) {
    const std::string target = open_descriptor(path) >= 0 ? "" : resolve_output_target(path);
    struct stat info {};
    if (!target.empty() && (::stat(target.c_str(), &info) != 0 || S_ISREG(info.st_mode))) {
        if (::rename(temporary.c_str(), target.c_str()) != 0) {
            const std::string reason = system_reason();
            ::unlink(temporary.c_str());
            throw OutputError(path + ": cannot move the finished file into place: " + reason);
        }
        return;
    }
    // A device, a FIFO or a dangling link: copy the contents in, through a bounded buffer.
    const int in = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    const int descriptor = open_descriptor(path);
    const int out = in < 0 ? -1
                    : descriptor >= 0 ? ::dup(descriptor)
                                      : ::open(target.empty() ? path.c_str() : target.c_str(),
                                               O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0666);
    bool ok = in >= 0 && out >= 0;
    std::string reason = ok ? "" : system_reason();
    std::vector<char> buffer(1 << 16);
    while (ok) {
        const ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0) ok = false, reason = system_reason();
            break;
        }
        if (!write_all(out, buffer.data(), static_cast<size_t>(n))) ok = false, reason = system_reason();
    }
    if (out >= 0 && ::close(out) != 0 && ok) ok = false, reason = system_reason();
    if (in >= 0) ::close(in);
    ::unlink(temporary.c_str());
    if (!ok) throw OutputError(path + ": error while writing: " + reason);
}

void check_output_writable(const std::string& path, const std::string& what) {
    const std::string prefix = path + ": cannot write " + what;
    if (path.empty()) throw Error("an empty path: cannot write " + what);
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) throw Error(prefix + " (it is a directory)");
        if (::access(path.c_str(), W_OK) != 0) throw Error(prefix + " (" + system_reason() + ")");
        return;
    }
    if (errno != ENOENT) throw Error(prefix + " (" + system_reason() + ")");
    // A new file (or a dangling symlink's target, created beside... its directory must be writable).
    const std::string dir = parent_dir(path);
    if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
        throw Error(prefix + " (does the directory exist, is it writable?)");
    }
}

std::vector<uint8_t> read_input_file(const std::string& path, uint64_t max_bytes, const std::string& label,
                                     const std::string& what) {
    const std::string name = label.empty() ? path : label;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(name + ": cannot open " + what + " (" + system_reason() + ")");
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw Error(name + ": " + what + " is not a regular file (a directory, a device or a pipe cannot be read)");
    }
    if (static_cast<uint64_t>(info.st_size) > max_bytes) {
        ::close(fd);
        throw Error(name + ": " + what + " has " + std::to_string(info.st_size) + " bytes, more than the " +
                    std::to_string(max_bytes) + " it may have");
    }
    std::vector<uint8_t> bytes(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string reason = system_reason();
            ::close(fd);
            throw Error(name + ": error while reading: " + reason);
        }
        if (n == 0) break;  // shrank while reading
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    bytes.resize(done);
    return bytes;
}

}  // namespace npuemu
