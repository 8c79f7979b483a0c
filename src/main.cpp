// The `lab` executable: all behaviour lives in labcore; see docs/ARCHITECTURE.md.
#include <lab/cli/command.hpp>

int main(int argc, char** argv) { return lab::cli::run_main(argc, argv); }
