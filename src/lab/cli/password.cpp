#include "password.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace lab::cli {

Result<std::string> read_password(const std::string& prompt, bool from_stdin) {
  std::string line;
  if (from_stdin) {
    if (!std::getline(std::cin, line) && line.empty()) return fail(Errc::invalid_argument, "--password-stdin: standard input is empty");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail(Errc::invalid_argument, "no terminal to ask for the password on; pipe it in with --password-stdin");
  termios old{};
  const bool is_tty = ::tcgetattr(fd, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  [[maybe_unused]] auto w = ::write(fd, prompt.data(), prompt.size());
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  w = ::write(fd, "\n", 1);
  ::close(fd);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace lab::cli
