// Stands in for `ferry receive ROOT` in transport_test.cpp: writes into ROOT/probe the signal
// lines of its /proc/self/status (SigIgn, SigBlk) as it was started, and what its stdin,
// stdout and stderr are; then says one line on stderr.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "receive")
    return 3;
  std::ofstream out(std::string(argv[2]) + "/probe");
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("SigIgn:") || line.starts_with("SigBlk:"))
      out << line << "\n";
  }
  for (int fd = 0; fd < 3; ++fd) {
    std::array<char, 256> target{};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), target.data(), target.size() - 1);
    out << "fd" << fd << ": "
        << (n > 0 ? std::string(target.data(), static_cast<std::size_t>(n)) : "-") << "\n";
  }
  out.close();
  std::fputs("probe done\n", stderr);
  return out ? 0 : 4;
}
