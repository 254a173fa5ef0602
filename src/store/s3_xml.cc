#include "store/s3_xml.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <pugixml.hpp>
#include <sstream>

namespace store {
namespace {

pugi::xml_document parse(std::string_view body) {
  pugi::xml_document document;
  document.load_buffer(body.data(), body.size());
  return document;
}

/// The document's root element, checked by name. Throws StoreError.
pugi::xml_node root(const pugi::xml_document& document, const char* name) {
  pugi::xml_node node = document.document_element();
  if (std::string_view(node.name()) != name) {
    if (std::string_view(node.name()) == "Error") {
      throw StoreError(std::string("S3 answered with an error instead of a ") + name + ": " +
                       node.child_value("Code"));
    }
    throw StoreError(std::string("S3 sent no ") + name);
  }
  return node;
}

bool is_true(const pugi::xml_node& parent, const char* name) {
  return std::string_view(parent.child_value(name)) == "true";
}

uint64_t parse_size(std::string_view text) {
  uint64_t size = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw StoreError("S3 listed an object with size '" + std::string(text) + "'");
  }
  return size;
}

}  // namespace

std::optional<S3ErrorBody> parse_s3_error(std::string_view body) {
  const pugi::xml_document document = parse(body);
  const pugi::xml_node error = document.document_element();
  if (std::string_view(error.name()) != "Error") return std::nullopt;
  return S3ErrorBody{error.child_value("Code"), error.child_value("Message")};
}

S3ObjectPage parse_list_objects(std::string_view body) {
  const pugi::xml_document document = parse(body);
  const pugi::xml_node result = root(document, "ListBucketResult");
  S3ObjectPage page;
  for (pugi::xml_node object : result.children("Contents")) {
    page.objects.push_back(ObjectInfo{object.child_value("Key"),
                                      parse_size(object.child_value("Size")),
                                      parse_s3_time(object.child_value("LastModified"))});
  }
  if (is_true(result, "IsTruncated")) {
    page.next_token = result.child_value("NextContinuationToken");
    if (page.next_token.empty())
      throw StoreError("S3 cut a listing short and said not where to go on");
  }
  return page;
}

S3UploadPage parse_list_uploads(std::string_view body) {
  const pugi::xml_document document = parse(body);
  const pugi::xml_node result = root(document, "ListMultipartUploadsResult");
  S3UploadPage page;
  for (pugi::xml_node upload : result.children("Upload")) {
    page.uploads.push_back(S3Upload{upload.child_value("Key"), upload.child_value("UploadId"),
                                    parse_s3_time(upload.child_value("Initiated"))});
  }
  if (is_true(result, "IsTruncated")) {
    page.next_key_marker = result.child_value("NextKeyMarker");
    page.next_upload_id_marker = result.child_value("NextUploadIdMarker");
    if (page.next_key_marker.empty()) {
      throw StoreError("S3 cut a list of uploads short and said not where to go on");
    }
  }
  return page;
}

std::string parse_upload_id(std::string_view body) {
  const pugi::xml_document document = parse(body);
  std::string id = root(document, "InitiateMultipartUploadResult").child_value("UploadId");
  if (id.empty()) throw StoreError("S3 started a multipart upload without an UploadId");
  return id;
}

std::string complete_upload_body(const std::vector<std::string>& etags) {
  pugi::xml_document document;
  pugi::xml_node complete = document.append_child("CompleteMultipartUpload");
  complete.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (size_t i = 0; i < etags.size(); ++i) {
    pugi::xml_node part = complete.append_child("Part");
    part.append_child("PartNumber").text() = std::to_string(i + 1).c_str();
    part.append_child("ETag").text() = etags[i].c_str();
  }
  std::ostringstream out;
  document.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return std::move(out).str();
}

std::chrono::system_clock::time_point parse_s3_time(std::string_view text) {
  std::tm tm{};
  int fraction_start = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &fraction_start) != 6) {
    throw StoreError("S3 sent a date that is not ISO 8601: '" + copy + "'");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto time = std::chrono::system_clock::from_time_t(::timegm(&tm));
  // Milliseconds, when given: ".789Z".
  std::string_view rest = std::string_view(copy).substr(fraction_start);
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    long long scale = 1'000'000'000;
    long long nanoseconds = 0;
    while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9' && scale > 1) {
      scale /= 10;
      nanoseconds += (rest[0] - '0') * scale;
      rest.remove_prefix(1);
    }
    time += std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::nanoseconds(nanoseconds));
  }
  return time;
}

}  // namespace store
