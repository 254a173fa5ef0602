#include "store/s3_xml.h"

#include <gtest/gtest.h>

#include "store/s3_client.h"

namespace store {
namespace {

using namespace std::chrono_literals;

TEST(S3Xml, ReadsAnError) {
  const auto error = parse_s3_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
      "<Message>Please reduce your request rate.</Message><RequestId>x</RequestId></Error>");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "SlowDown");
  EXPECT_EQ(error->message, "Please reduce your request rate.");
  EXPECT_EQ(parse_s3_error("<CompleteMultipartUploadResult/>"), std::nullopt);
  EXPECT_EQ(parse_s3_error(""), std::nullopt);
  EXPECT_EQ(parse_s3_error("not xml"), std::nullopt);
}

TEST(S3Xml, ReadsAListingPage) {
  const auto page = parse_list_objects(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><Prefix>t/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>tok/en+=</NextContinuationToken>"
      "<Contents><Key>t/a&amp;b</Key><LastModified>2024-05-01T12:34:56.789Z</LastModified>"
      "<ETag>&quot;x&quot;</ETag><Size>15</Size></Contents>"
      "<Contents><Key>t/\xc3\xbc</Key><LastModified>1970-01-01T00:00:01Z</LastModified>"
      "<Size>0</Size></Contents></ListBucketResult>");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "t/a&b");
  EXPECT_EQ(page.objects[0].size, 15u);
  EXPECT_EQ(page.objects[0].last_modified, parse_s3_time("2024-05-01T12:34:56.789Z"));
  EXPECT_EQ(page.objects[1].key, "t/\xc3\xbc");
  EXPECT_EQ(page.next_token, "tok/en+=");

  const auto last =
      parse_list_objects("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(last.objects.empty());
  EXPECT_EQ(last.next_token, "");

  EXPECT_THROW(parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                  "</ListBucketResult>"),
               StoreError);
  EXPECT_THROW(parse_list_objects("<Error><Code>AccessDenied</Code></Error>"), StoreError);
  EXPECT_THROW(parse_list_objects("garbage"), StoreError);
}

TEST(S3Xml, ReadsUploads) {
  const auto page = parse_list_uploads(
      "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>t/b</NextKeyMarker><NextUploadIdMarker>2~x</NextUploadIdMarker>"
      "<Upload><Key>t/a</Key><UploadId>1~y</UploadId>"
      "<Initiated>2024-05-01T00:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>");
  ASSERT_EQ(page.uploads.size(), 1u);
  EXPECT_EQ(page.uploads[0].key, "t/a");
  EXPECT_EQ(page.uploads[0].upload_id, "1~y");
  EXPECT_EQ(page.next_key_marker, "t/b");
  EXPECT_EQ(page.next_upload_id_marker, "2~x");
}

TEST(S3Xml, ReadsAnUploadId) {
  EXPECT_EQ(parse_upload_id("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                            "<UploadId>2~abc</UploadId></InitiateMultipartUploadResult>"),
            "2~abc");
  EXPECT_THROW(parse_upload_id("<InitiateMultipartUploadResult/>"), StoreError);
}

TEST(S3Xml, WritesTheCompleteBody) {
  EXPECT_EQ(complete_upload_body({"\"aa\"", "\"bb\""}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>\"aa\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"bb\"</ETag></Part>"
            "</CompleteMultipartUpload>");
}

TEST(S3Xml, ReadsDates) {
  const auto epoch = std::chrono::system_clock::from_time_t(0);
  EXPECT_EQ(parse_s3_time("1970-01-01T00:00:00Z"), epoch);
  EXPECT_EQ(parse_s3_time("1970-01-02T00:00:01.5Z"), epoch + 24h + 1500ms);
  EXPECT_EQ(parse_s3_time("2024-05-01T12:34:56.000Z") - parse_s3_time("2024-04-30T12:34:56Z"), 24h);
  EXPECT_THROW(parse_s3_time("Wed, 01 May 2024 12:34:56 GMT"), StoreError);
}

TEST(S3Encoding, KeysAreEncodedAsSigV4SignsThem) {
  EXPECT_EQ(s3_encode("miri/raw/serde/1.0.0+build.5", true), "miri/raw/serde/1.0.0%2Bbuild.5");
  EXPECT_EQ(s3_encode("a@b c/~_-.", true), "a%40b%20c/~_-.");
  EXPECT_EQ(s3_encode("\xc3\xbc%", true), "%C3%BC%25");
  EXPECT_EQ(s3_encode("a/b", false), "a%2Fb");
}

TEST(S3Encoding, QueriesAreSortedAndAlwaysHaveValues) {
  EXPECT_EQ(s3_query({}), "");
  EXPECT_EQ(s3_query({{"uploads", ""}}), "?uploads=");
  EXPECT_EQ(s3_query({{"uploadId", "2~a/b+c"}, {"partNumber", "3"}}),
            "?partNumber=3&uploadId=2~a%2Fb%2Bc");
  EXPECT_EQ(s3_query({{"prefix", "t/raw/"}, {"list-type", "2"}, {"continuation-token", "x="}}),
            "?continuation-token=x%3D&list-type=2&prefix=t%2Fraw%2F");
}

TEST(S3Response, DescribesItself) {
  S3Response slow{.status = 503,
                  .error_code = "SlowDown",
                  .error_message = "Please reduce your request rate.",
                  .attempts = 6};
  EXPECT_EQ(slow.describe(), "503 SlowDown: Please reduce your request rate. (after 6 tries)");
  EXPECT_EQ((S3Response{.status = 403, .attempts = 1}.describe()), "403 Forbidden");
  EXPECT_EQ((S3Response{
                .error_code = "curl", .error_message = "Couldn't connect to server", .attempts = 2}
                 .describe()),
            "transfer failed: Couldn't connect to server (after 2 tries)");
}

}  // namespace
}  // namespace store
