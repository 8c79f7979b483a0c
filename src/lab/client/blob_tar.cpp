#include "blob_tar.hpp"

#include <cerrno>
#include <cstring>

namespace lab::client {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kPiece = 1 << 20;

void octal(char* field, std::size_t width, std::uint64_t value) {
  // width-1 digits, zero padded, then NUL.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

std::size_t padding_for(std::uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

}  // namespace

std::string tar_header(const std::string& name, std::uint64_t size) {
  std::string h(kBlock, '\0');
  std::memcpy(h.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  octal(&h[100], 8, 0644);   // mode
  octal(&h[108], 8, 0);      // uid
  octal(&h[116], 8, 0);      // gid
  if (size < (1ull << 33)) {
    octal(&h[124], 12, size);
  } else {  // base-256: high bit of the first byte set, big-endian value in the rest
    h[124] = static_cast<char>(0x80);
    for (int i = 11; i >= 4; --i, size >>= 8) h[124 + i] = static_cast<char>(size & 0xff);
  }
  octal(&h[136], 12, 0);     // mtime
  h[156] = '0';              // regular file
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(&h[148], 7, "%06o", sum);
  h[155] = ' ';
  return h;
}

BlobTarStream::~BlobTarStream() {
  if (file_) std::fclose(file_);
}

bool BlobTarStream::next(std::string& out) {
  out.clear();
  while (true) {
    switch (phase_) {
      case Phase::header: {
        if (index_ == blobs_.size()) {
          phase_ = Phase::trailer;
          continue;
        }
        const BlobSource& b = blobs_[index_];
        if (!b.data) {
          file_ = std::fopen(b.file.c_str(), "rb");
          if (!file_) {
            error_ = "cannot read " + b.file.string() + ": " + std::strerror(errno);
            return false;
          }
        }
        sent_ = 0;
        out = tar_header(b.hash, b.data ? b.data->size() : b.size);
        phase_ = Phase::body;
        return true;
      }
      case Phase::body: {
        const BlobSource& b = blobs_[index_];
        const std::uint64_t size = b.data ? b.data->size() : b.size;
        if (sent_ == size) {
          if (file_ && std::fgetc(file_) != EOF) {
            error_ = b.file.string() + " grew while it was being uploaded; run the command again";
            return false;
          }
          phase_ = Phase::padding;
          continue;
        }
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, size - sent_));
        if (b.data) {
          out.assign(*b.data, static_cast<std::size_t>(sent_), want);
        } else {
          out.resize(want);
          std::size_t got = std::fread(out.data(), 1, want, file_);
          if (got != want) {
            error_ = b.file.string() + (std::ferror(file_) ? " could not be read" : " shrank while it was being uploaded") +
                     "; run the command again";
            return false;
          }
        }
        sent_ += want;
        return true;
      }
      case Phase::padding: {
        const BlobSource& b = blobs_[index_];
        if (file_) std::fclose(file_), file_ = nullptr;
        out.assign(padding_for(b.data ? b.data->size() : b.size), '\0');
        ++index_;
        phase_ = Phase::header;
        if (out.empty()) continue;
        return true;
      }
      case Phase::trailer:
        out.assign(2 * kBlock, '\0');
        phase_ = Phase::done;
        return true;
      case Phase::done: return false;
    }
  }
}

}  // namespace lab::client
