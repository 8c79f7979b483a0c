// The `lab` executable: all behaviour lives in labcore; see docs/ARCHITECTURE.md.
#include <lab/cli/command.hpp>
#include <lab/sys/memory.hpp>

#include <thread>

int main(int argc, char** argv) {
  lab::sys::cap_malloc_arenas(std::thread::hardware_concurrency());
  return lab::cli::run_main(argc, argv);
}
