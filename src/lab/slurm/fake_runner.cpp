#include <lab/slurm/fake_runner.hpp>

namespace lab::slurm {
namespace {

std::string base_name(const std::string& program) {
  auto slash = program.rfind('/');
  return slash == std::string::npos ? program : program.substr(slash + 1);
}

}  // namespace

void FakeRunner::on(const std::string& program, Handler handler) {
  std::lock_guard lock(mu_);
  handlers_[program] = std::move(handler);
}

void FakeRunner::reply(const std::string& program, int exit_code, std::string out, std::string err) {
  on(program, [=](const std::vector<std::string>&) -> Result<CommandOutput> {
    return CommandOutput{exit_code, out, err};
  });
}

Result<CommandOutput> FakeRunner::run(const std::vector<std::string>& argv, std::chrono::milliseconds) {
  if (argv.empty()) return fail(Errc::invalid_argument, "no program to run");
  Handler h;
  {
    std::lock_guard lock(mu_);
    calls_.push_back(argv);
    auto it = handlers_.find(base_name(argv[0]));
    if (it == handlers_.end()) return fail(Errc::not_found, "program " + argv[0] + " not found");
    h = it->second;
  }
  return h(argv);
}

std::vector<std::vector<std::string>> FakeRunner::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

int FakeRunner::count(const std::string& program) const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& c : calls_)
    if (base_name(c[0]) == program) ++n;
  return n;
}

}  // namespace lab::slurm
