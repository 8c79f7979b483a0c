#include <doctest/doctest.h>

#include "lab/s3/xml.hpp"  // private header, found through src/

using namespace lab::s3;

TEST_CASE("s3 xml: reads a ListBucketResult with entities, numeric references and CDATA") {
  auto doc = parse_xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><IsTruncated>true</IsTruncated>
  <Contents><Key>a &amp; b&lt;&gt;&quot;&apos;&#233;&#x1F600;</Key><Size>12</Size></Contents>
  <Contents><Key><![CDATA[x<y]]></Key><Size>3</Size></Contents>
  <!-- a comment -->
  <NextContinuationToken>tok==</NextContinuationToken>
  <Empty/>
</ListBucketResult>)");
  REQUIRE(doc.has_value());
  CHECK(doc->name == "ListBucketResult");
  CHECK(doc->child_text("IsTruncated") == "true");
  CHECK(doc->child_text("NextContinuationToken") == "tok==");
  REQUIRE(doc->children.size() == 6);
  CHECK(doc->children[2].child_text("Key") == "a & b<>\"'\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(doc->children[3].child_text("Key") == "x<y");
  CHECK(doc->child("Empty") != nullptr);
  CHECK(doc->child("Missing") == nullptr);
  CHECK(doc->child_text("Missing").empty());
}

TEST_CASE("s3 xml: malformed documents fail as corrupt instead of being half read") {
  for (const char* bad : {"", "<a>", "<a></b>", "<a>&bogus;</a>", "<a>&#xZZ;</a>", "<a><b></a>",
                          "<a>x</a>trailing", "<a attr=\"x></a>", "<a>&#x110000;</a>"}) {
    CAPTURE(bad);
    auto r = parse_xml(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == lab::Errc::corrupt);
  }
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  CHECK_FALSE(parse_xml(deep).has_value());
}
