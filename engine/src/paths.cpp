#include "ferry/engine/paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "ferry/common/error.hpp"

namespace ferry::engine {

std::filesystem::path default_state_dir() {
  if (const char* dir = std::getenv("FERRY_STATE_DIR"); dir && *dir)
    return dir;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "ferry";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "state" / "ferry";
  }
  return ".ferry";
}

void write_file_atomically(const std::filesystem::path& file, std::string_view text) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const std::filesystem::path temp = file.string() + ".tmp";
  const auto fail = [&](const char* what) {
    const std::string why = std::strerror(errno);
    throw Error(ErrorKind::failure, std::string(what) + " " + temp.string() + ": " + why);
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    fail("cannot create");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      errno = saved;
      fail("cannot write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    fail("cannot write");
  }
  if (::rename(temp.c_str(), file.c_str()) != 0)
    fail("cannot rename into place");
}

}  // namespace ferry::engine
