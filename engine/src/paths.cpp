#include "ferry/engine/paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

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
  // A temporary name of its own (mkstemp), so two writers of one file never share it.
  std::string temp = file.string() + ".XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::failure,
                "cannot create a file beside " + file.string() + ": " + std::strerror(errno));
  }
  const auto fail = [&](const char* what, int error) {
    ::unlink(temp.c_str());
    throw Error(ErrorKind::failure,
                std::string(what) + " " + file.string() + ": " + std::strerror(error));
  };
  std::size_t written = 0;
  int error = 0;
  while (error == 0 && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n > 0)
      written += static_cast<std::size_t>(n);
    else if (n == 0)
      error = ENOSPC;
    else if (errno != EINTR)
      error = errno;
  }
  if (error == 0 && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0))
    error = errno;
  if (::close(fd) != 0 && error == 0)
    error = errno;
  if (error != 0)
    fail("cannot write", error);
  if (::rename(temp.c_str(), file.c_str()) != 0)
    fail("cannot replace", errno);
}

std::string now_utc(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open())
    throw Error(ErrorKind::config, "cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream out;
  out << in.rdbuf();  // an empty file sets failbit on `out`, and is still read whole
  return out.str();
}

}  // namespace ferry::engine
