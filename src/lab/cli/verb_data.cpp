// `lab data sync PATH --name NAME` and `lab data list`: upload a folder once as a named
// dataset (only the contents the proxy lacks, so an interrupted sync resumes where it
// stopped), and list the datasets a task may name in `[files] datasets` (docs/cli.md).
#include <lab/client/project.hpp>
#include <lab/client/upload.hpp>
#include <lab/config/dataset_name.hpp>
#include <lab/term/progress.hpp>
#include <lab/util/strings.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

#include "cli11.hpp"
#include "session.hpp"
#include "verbs.hpp"

namespace lab::cli {
namespace {

std::string plural(std::uint64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// "dataset mnist: 1200 files, 1.2 GiB; 800 already stored (820.0 MiB), uploading 400 files (400.0 MiB)"
std::string summary_line(const std::string& name, const client::ProjectFiles& d, const client::UploadPlan& plan) {
  std::string line = "dataset " + name + ": " + plural(d.manifest.entries.size(), "file") + ", " +
                     util::human_bytes(d.manifest.total_bytes()) + "; ";
  if (plan.uploaded_files == 0) return line + "nothing to upload, all already stored";
  if (plan.stored_files)
    line += std::to_string(plan.stored_files) + " already stored (" + util::human_bytes(plan.stored_bytes) + "), ";
  return line + "uploading " + plural(plan.uploaded_files, "file") + " (" + util::human_bytes(plan.send_bytes) + ")";
}

int run_sync(const std::string& path, const std::string& name, bool json, const std::optional<std::string>& proxy) {
  if (auto problem = config::dataset_name_problem(name)) {
    std::fprintf(stderr, "lab data sync: --name %s\n", problem->c_str());
    return kExitUsage;
  }
  auto conn = connect(proxy, true);
  if (!conn) return report("data sync", conn.error());
  const term::Style style = term::Style::detect(stderr);

  files::ScanOptions scan;
  std::unique_ptr<term::Progress> hashing;
  std::uint64_t hashed = 0;
  scan.on_progress = [&](const files::ScanProgress& p) {
    if (!hashing) hashing = std::make_unique<term::Progress>("hashing", p.bytes_to_hash, true, style);
    hashing->add(p.bytes_hashed - hashed);
    hashed = p.bytes_hashed;
  };
  files::ScanReport scan_report;
  auto data = client::collect_dataset(path, scan, &scan_report);
  if (hashing) hashing->finish();
  for (const auto& w : scan_report.warnings) std::fprintf(stderr, "lab data sync: warning: %s\n", w.c_str());
  if (!data) return report("data sync", data.error());
  if (data->manifest.entries.empty())
    return report("data sync", path + " has no files to upload (only .git, or .labignore leaves everything out)");

  auto plan = client::plan_upload(*conn->client, *data);
  if (!plan) return report("data sync", plan.error());
  std::fprintf(stderr, "%s\n", summary_line(name, *data, *plan).c_str());

  std::unique_ptr<term::Progress> uploading;
  if (plan->send_bytes > 0) uploading = std::make_unique<term::Progress>("uploading", plan->send_bytes, true, style);
  std::uint64_t sent = 0;
  auto blobs = client::send_blobs(*conn->client, *plan, [&](std::uint64_t total) {
    if (uploading && total > sent) uploading->add(total - sent);
    sent = std::max(sent, total);
  });
  if (uploading) uploading->finish();
  if (!blobs) return report("data sync", blobs.error().message + "; run the same `lab data sync` again to upload the rest");

  auto synced = conn->client->sync_dataset(name, data->manifest);
  if (!synced) return report("data sync", synced.error());
  const client::Dataset& d = synced->dataset;
  const bool created = !synced->previous;
  const bool changed = synced->previous != d.manifest;
  if (json) {
    nlohmann::json out{{"name", d.name},
                       {"manifest", d.manifest},
                       {"key", d.key},
                       {"files", d.files},
                       {"bytes", d.bytes},
                       {"created", created},
                       {"changed", changed},
                       {"uploaded_files", plan->uploaded_files},
                       {"uploaded_bytes", plan->uploaded_bytes},
                       {"stored_files", plan->stored_files},
                       {"stored_bytes", plan->stored_bytes}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    const std::string what = created ? "created" : changed ? "updated" : "unchanged";
    std::printf("dataset %s %s: %s, %s (manifest %s)\n", d.name.c_str(), what.c_str(), plural(d.files, "file").c_str(),
                util::human_bytes(d.bytes).c_str(), d.manifest.substr(0, 12).c_str());
    if (created) std::printf("use it in a task with `datasets = [\"%s\"]` under [files] in task.toml\n", d.name.c_str());
    else if (changed) std::printf("tasks submitted from now on get this version; earlier ones keep theirs\n");
  }
  return kExitOk;
}

int run_data_list(bool all, bool json, const std::optional<std::string>& proxy) {
  auto conn = connect(proxy, true);
  if (!conn) return report("data list", conn.error());
  auto list = conn->client->list_datasets(all);
  if (!list) return report("data list", list.error());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : *list) out.push_back(client::to_json(d));
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  if (list->empty()) {
    std::printf("no datasets yet; upload one with `lab data sync PATH --name NAME`\n");
    return kExitOk;
  }
  const std::string me = conn->credentials ? conn->credentials->user : "";
  std::size_t width = 4;
  for (const auto& d : *list) width = std::max(width, d.name.size());
  std::printf("%-*s %8s %10s  %-19s  %s\n", static_cast<int>(width), "NAME", "FILES", "SIZE", "UPDATED", "OWNER");
  for (const auto& d : *list) {
    std::string owner = d.owner == me && !all ? "you" : d.owner;
    if (d.course_wide) owner += " (course-wide)";
    if (d.shadowed) owner += "; not used: your own \"" + d.name + "\" comes first";
    std::printf("%-*s %8llu %10s  %-19s  %s\n", static_cast<int>(width), d.name.c_str(),
                static_cast<unsigned long long>(d.files), util::human_bytes(d.bytes).c_str(),
                local_time(d.updated_at_ms).c_str(), owner.c_str());
  }
  return kExitOk;
}

}  // namespace

int run_data(const Args& args) {
  CLI::App app{"upload and list datasets that tasks name in [files] datasets", "lab data"};
  app.set_help_flag("-h,--help", "show this help");
  app.require_subcommand(1);
  std::optional<std::string> proxy;
  CLI::App* sync = app.add_subcommand(
      "sync", "upload a folder as a dataset (only what the proxy lacks; rerun to resume an interrupted sync)");
  std::string path, name;
  bool json = false, all = false;
  sync->add_option("PATH", path, "the folder (.git and what .labignore leaves out are skipped; .gitignore is not read)")
      ->required();
  sync->add_option("--name", name, "the dataset's name: letters, digits, '.', '_', '-' (at most 64)")->required();
  sync->add_flag("--json", json, "print the outcome as one JSON line");
  sync->add_option("--proxy", proxy, "the proxy's URL");
  CLI::App* list = app.add_subcommand("list", "list your datasets and the course-wide ones");
  list->add_flag("--all", all, "every user's datasets (admins only)");
  list->add_flag("--json", json, "print the datasets as a JSON array");
  list->add_option("--proxy", proxy, "the proxy's URL");
  if (auto code = parse_args(app, args)) return *code;
  if (sync->parsed()) return run_sync(path, name, json, proxy);
  return run_data_list(all, json, proxy);
}

}  // namespace lab::cli
