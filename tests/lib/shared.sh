# Finds the shared peer scripts (real Slurm, real S3 server) that live outside the repository.
# Sourced by the live suites and benchmarks; sets $shared_dir or exits with what was tried.
# Order: $LAB_SHARED_DIR, the folder beside the repository (../shared), /work/shared.
_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared_dir=""
for _c in "${LAB_SHARED_DIR:-}" "$_repo/../shared" /work/shared; do
  if [ -n "$_c" ] && [ -d "$_c/slurm" ] && [ -d "$_c/s3" ]; then shared_dir=$(cd "$_c" && pwd); break; fi
done
if [ -z "$shared_dir" ]; then
  echo "cannot find the shared peer scripts (slurm/, s3/): tried \$LAB_SHARED_DIR, $_repo/../shared and /work/shared; set LAB_SHARED_DIR" >&2
  exit 1
fi
