#include "engine/io/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/error.h"

namespace hr::io {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes a descriptor on every path out of a function.
struct FdGuard {
  int fd = -1;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile::MappedFile(const std::string& path) : path_(path) {
  FdGuard guard{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  HR_CHECK(guard.fd >= 0, "{}: cannot open: {}", path, errno_text());
  struct stat st {};
  HR_CHECK(::fstat(guard.fd, &st) == 0, "{}: cannot stat: {}", path, errno_text());
  HR_CHECK(S_ISREG(st.st_mode), "{}: not a regular file", path);
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, guard.fd, 0);
  HR_CHECK(p != MAP_FAILED, "{}: cannot map {} bytes: {}", path, size_, errno_text());
  data_ = static_cast<const uint8_t*>(p);
  mapped_ = true;
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void write_file_atomic(const std::string& path, std::string_view content) {
  write_file_atomic(path, [&](const ByteSink& sink) { sink(content.data(), content.size()); });
}

void write_file_atomic(const std::string& path,
                       const std::function<void(const ByteSink&)>& produce) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FdGuard guard{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  HR_CHECK(guard.fd >= 0, "{}: cannot create temporary file {}: {}", path, tmp, errno_text());
  try {
    const ByteSink sink = [&](const void* data, size_t bytes) {
      const char* p = static_cast<const char*>(data);
      while (bytes > 0) {
        const ssize_t n = ::write(guard.fd, p, bytes);
        if (n < 0 && errno == EINTR) continue;
        HR_CHECK(n > 0, "{}: write failed: {}", tmp, errno_text());
        p += n;
        bytes -= static_cast<size_t>(n);
      }
    };
    produce(sink);
    // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
    HR_CHECK(::fsync(guard.fd) == 0, "{}: fsync failed: {}", tmp, errno_text());
    const int fd = guard.fd;
    guard.fd = -1;
    HR_CHECK(::close(fd) == 0, "{}: close failed: {}", tmp, errno_text());
    HR_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "{}: cannot rename {} to it: {}", path,
             tmp, errno_text());
  } catch (...) {
    if (guard.fd >= 0) {
      ::close(guard.fd);
      guard.fd = -1;
    }
    std::remove(tmp.c_str());
    throw;
  }
}

}  // namespace hr::io
