// A small XML reader for the few S3 response documents lab reads (Error, ListBucketResult,
// InitiateMultipartUploadResult, CompleteMultipartUploadResult). Not a general parser: no
// DTDs, namespaces are kept as part of names, attributes are skipped. Private to lab::s3.
#pragma once

#include <lab/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lab::s3 {

// One element: its name (prefix stripped), decoded text, and child elements in order.
struct XmlNode {
  std::string name;
  std::string text;
  std::vector<XmlNode> children;

  // The first child named `name`, or nullptr.
  const XmlNode* child(std::string_view name) const;
  // The text of the first child named `name`, or "" if there is none.
  std::string child_text(std::string_view name) const;
};

// Parses `doc` into its root element. Fails with Errc::corrupt (naming the offset) on
// malformed input: unbalanced tags, unknown entities, truncated text. Depth is bounded.
Result<XmlNode> parse_xml(std::string_view doc);

}  // namespace lab::s3
