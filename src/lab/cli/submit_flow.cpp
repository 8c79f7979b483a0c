#include "submit_flow.hpp"

#include <lab/cli/command.hpp>
#include <lab/client/project.hpp>
#include <lab/client/upload.hpp>
#include <lab/config/task_json.hpp>
#include <lab/term/progress.hpp>
#include <lab/util/strings.hpp>

#include <nlohmann/json.hpp>

#include <memory>

#include "session.hpp"
#include "submit_env.hpp"
#include "wait.hpp"

namespace lab::cli {
namespace {

std::string plural(std::uint64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// "12 files, 3.4 MiB; uploading 2 files (1.1 MiB), 10 already stored; largest: a.bin 1.0 MiB, ..."
std::string summary_line(const client::ProjectFiles& p, const client::UploadPlan& plan) {
  std::string line = plural(p.manifest.entries.size(), "file") + ", " + util::human_bytes(p.manifest.total_bytes()) + "; ";
  if (plan.uploaded_files == 0) line += "nothing to upload, all already stored";
  else {
    line += "uploading " + plural(plan.uploaded_files, "file") + " (" + util::human_bytes(plan.send_bytes) + ")";
    if (plan.stored_files) line += ", " + std::to_string(plan.stored_files) + " already stored";
  }
  auto largest = client::largest_entries(p.manifest, 3);
  if (!largest.empty()) {
    std::vector<std::string> parts;
    for (const auto* e : largest) parts.push_back(e->path + " " + util::human_bytes(e->size));
    line += "; largest: " + util::join(parts, ", ");
  }
  return line;
}

// A dataset the proxy does not resolve, said where the name came from:
// "task.toml: [files] datasets: dataset "mnist" not found: ...".
Error dataset_error(const SubmitRequest& req, const Error& e) {
  if (e.code != Errc::not_found || req.spec_source.empty()) return e;
  return {e.code, req.spec_source + ": " + e.message};
}

}  // namespace

int submit_project(const SubmitRequest& req) {
  const char* verb = req.verb.c_str();
  auto conn = connect(req.proxy, true);
  if (!conn) return report(verb, conn.error());
  const term::Style style = term::Style::detect(stderr);
  // Datasets are resolved by the proxy at submit; asking first stops before any upload.
  for (const auto& name : req.spec.files.datasets) {
    auto d = conn->client->get_dataset(name);
    if (!d) return report(verb, dataset_error(req, d.error()));
  }
  auto env_key = explain_environment(req.spec, req.project_root, stderr);
  if (!env_key) return report(verb, env_key.error());

  client::ProjectOptions popt;
  popt.root = req.project_root;
  popt.uploads = req.spec.files.upload;
  popt.exclude = req.spec.files.exclude;
  std::unique_ptr<term::Progress> hashing;
  std::uint64_t hashed = 0;
  popt.scan.on_progress = [&](const files::ScanProgress& p) {
    if (!hashing) hashing = std::make_unique<term::Progress>("hashing", p.bytes_to_hash, true, style);
    hashing->add(p.bytes_hashed - hashed);
    hashed = p.bytes_hashed;
  };
  files::ScanReport scan_report;
  auto project = client::collect_project(popt, &scan_report);
  if (hashing) hashing->finish();
  for (const auto& w : scan_report.warnings) std::fprintf(stderr, "lab %s: warning: %s\n", verb, w.c_str());
  if (!project) return report(verb, project.error());

  auto plan = client::plan_upload(*conn->client, *project);
  if (!plan) return report(verb, plan.error());
  std::fprintf(stderr, "%s\n", summary_line(*project, *plan).c_str());

  std::unique_ptr<term::Progress> uploading;
  if (plan->send_bytes > 0) uploading = std::make_unique<term::Progress>("uploading", plan->send_bytes, true, style);
  std::uint64_t sent = 0;
  auto snapshot = client::send_project(*conn->client, *project, *plan, [&](std::uint64_t total) {
    if (uploading && total > sent) uploading->add(total - sent);
    sent = std::max(sent, total);
  });
  if (uploading) uploading->finish();
  if (!snapshot) return report(verb, snapshot.error());

  auto task = conn->client->create_task(config::task_to_json(req.spec), snapshot->id);
  if (!task) return report(verb, dataset_error(req, task.error()));
  if (req.json) {
    nlohmann::json out{{"task_id", task->id},
                       {"uploaded_files", plan->uploaded_files},
                       {"uploaded_bytes", plan->uploaded_bytes},
                       {"stored_files", plan->stored_files},
                       {"stored_bytes", plan->stored_bytes},
                       {"environment", {{"key", env_key->hex},
                                        {"source", envs::source_name(env_key->source)},
                                        {"builds", env_key->needs_build()}}}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("submitted %s (%s): %s\n", task->id.c_str(), task->name.c_str(), task->state.c_str());
    if (!req.wait) std::printf("follow it with `lab logs %s -f`\n", task->id.c_str());
  }
  std::fflush(stdout);
  if (!req.wait) return kExitOk;
  // With --json, stdout stays one JSON line; the log goes to stderr.
  return follow_task(*conn->client, task->id, true, true, req.json ? stderr : stdout);
}

}  // namespace lab::cli
