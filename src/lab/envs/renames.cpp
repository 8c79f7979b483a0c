// Imports whose pip package has another name. pip treats '-', '_' and '.' alike and
// ignores case, so "tensorflow_datasets" or "pytorch_lightning" need no entry; only real
// renames do. Dotted entries cover namespace packages ("google.protobuf").
#include <lab/envs/imports.hpp>

#include <array>

namespace lab::envs {
namespace {

constexpr std::array<Rename, 44> kRenames = {{
    {"Bio", "biopython"},
    {"Crypto", "pycryptodome"},
    {"Levenshtein", "python-Levenshtein"},
    {"MySQLdb", "mysqlclient"},
    {"OpenGL", "PyOpenGL"},
    {"OpenSSL", "pyOpenSSL"},
    {"PIL", "Pillow"},
    {"attr", "attrs"},
    {"bs4", "beautifulsoup4"},
    {"cairo", "pycairo"},
    {"community", "python-louvain"},
    {"cv2", "opencv-python"},
    {"dateutil", "python-dateutil"},
    {"dns", "dnspython"},
    {"docx", "python-docx"},
    {"dotenv", "python-dotenv"},
    {"faiss", "faiss-cpu"},
    {"fitz", "PyMuPDF"},
    {"gi", "PyGObject"},
    {"git", "GitPython"},
    {"google.cloud.bigquery", "google-cloud-bigquery"},
    {"google.cloud.storage", "google-cloud-storage"},
    {"google.protobuf", "protobuf"},
    {"googleapiclient", "google-api-python-client"},
    {"hydra", "hydra-core"},
    {"jose", "python-jose"},
    {"jwt", "PyJWT"},
    {"kafka", "kafka-python"},
    {"magic", "python-magic"},
    {"mpl_toolkits", "matplotlib"},
    {"multipart", "python-multipart"},
    {"nacl", "PyNaCl"},
    {"pkg_resources", "setuptools"},
    {"pptx", "python-pptx"},
    {"psycopg2", "psycopg2-binary"},
    {"ruamel", "ruamel.yaml"},
    {"serial", "pyserial"},
    {"skimage", "scikit-image"},
    {"sklearn", "scikit-learn"},
    {"slugify", "python-slugify"},
    {"umap", "umap-learn"},
    {"usb", "pyusb"},
    {"yaml", "PyYAML"},
    {"zmq", "pyzmq"},
}};

}  // namespace

std::span<const Rename> import_renames() { return kRenames; }

const Rename* find_rename(std::string_view module) {
  const Rename* best = nullptr;
  for (const Rename& r : kRenames) {
    bool covers = module == r.module || (module.starts_with(r.module) && module[r.module.size()] == '.');
    if (covers && (!best || r.module.size() > best->module.size())) best = &r;
  }
  return best;
}

std::optional<std::string_view> package_for_import(std::string_view module) {
  if (const Rename* r = find_rename(module)) return r->package;
  return std::nullopt;
}

}  // namespace lab::envs
