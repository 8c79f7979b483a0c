/* libarchive's writer and reader registries reference its xar format, which drags in
 * libxml2 and ICU (over 30 MB) when linking statically. lab never reads or writes xar, so
 * these definitions take the place of libarchive's own and keep those objects out of the
 * link. Both fail cleanly if anything ever asks for xar. See docs/BUILDING.md. */
#include <archive.h>

/* libarchive's generic error number (ARCHIVE_ERRNO_MISC lives in a private header). */
enum { kLabArchiveErrnoMisc = -1 };

int archive_write_set_format_xar(struct archive *a) {
  archive_set_error(a, kLabArchiveErrnoMisc, "xar archives are not supported by lab");
  return ARCHIVE_FATAL;
}

int archive_read_support_format_xar(struct archive *a) {
  archive_set_error(a, kLabArchiveErrnoMisc, "xar archives are not supported by lab");
  return ARCHIVE_FATAL;
}
