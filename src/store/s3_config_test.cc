#include "store/s3_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "store/store.h"

namespace store {
namespace {

namespace fs = std::filesystem;

/// A HOME of its own with ~/.aws, and an environment that is only what a
/// test puts into it.
class S3ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("cah-s3-config-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_ / ".aws");
    variables_["HOME"] = home_.string();
  }
  void TearDown() override { fs::remove_all(home_); }

  void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  S3Config read() {
    return read_s3_config([this](const std::string& name) -> std::optional<std::string> {
      auto it = variables_.find(name);
      if (it == variables_.end()) return std::nullopt;
      return it->second;
    });
  }

  /// The message of the StoreError that read() throws.
  std::string failure() {
    try {
      read();
    } catch (const StoreError& e) {
      return e.what();
    }
    ADD_FAILURE() << "read_s3_config() did not fail";
    return "";
  }

  fs::path home_;
  std::map<std::string, std::string> variables_;
};

TEST_F(S3ConfigTest, ReadsTheEnvironment) {
  variables_["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
  variables_["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI";
  variables_["AWS_SESSION_TOKEN"] = "token";
  variables_["AWS_REGION"] = "eu-central-1";
  variables_["AWS_ENDPOINT_URL"] = "http://127.0.0.1:7480/";
  const S3Config config = read();
  EXPECT_EQ(config.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(config.secret_access_key, "wJalrXUtnFEMI");
  EXPECT_EQ(config.session_token, "token");
  EXPECT_EQ(config.region, "eu-central-1");
  EXPECT_EQ(config.endpoint_url, "http://127.0.0.1:7480");
  EXPECT_EQ(config.max_attempts, 6);
  // An endpoint URL means path-style by default.
  EXPECT_EQ(config.bucket_url("cah"), "http://127.0.0.1:7480/cah");
}

TEST_F(S3ConfigTest, RegionDefaults) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  EXPECT_EQ(read().region, "us-east-1");
  variables_["AWS_DEFAULT_REGION"] = "eu-west-3";
  EXPECT_EQ(read().region, "eu-west-3");
  variables_["AWS_REGION"] = "ap-south-1";
  EXPECT_EQ(read().region, "ap-south-1");
}

TEST_F(S3ConfigTest, AwsItselfIsVirtualHostedUnlessTheBucketIsNoHostName) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  variables_["AWS_REGION"] = "eu-west-1";
  const S3Config config = read();
  EXPECT_EQ(config.endpoint_url, "");
  EXPECT_EQ(config.bucket_url("cah-results"), "https://cah-results.s3.eu-west-1.amazonaws.com");
  // A dot would not match the TLS certificate's wildcard.
  EXPECT_EQ(config.bucket_url("cah.results"), "https://s3.eu-west-1.amazonaws.com/cah.results");
  EXPECT_EQ(config.bucket_url("Cah_Results"), "https://s3.eu-west-1.amazonaws.com/Cah_Results");
}

TEST_F(S3ConfigTest, AddressingCanBeChosen) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  variables_["AWS_ENDPOINT_URL"] = "https://storage.example:9000";
  variables_["CAH_S3_ADDRESSING"] = "virtual";
  EXPECT_EQ(read().bucket_url("cah"), "https://cah.storage.example:9000");
  variables_.erase("AWS_ENDPOINT_URL");
  variables_["CAH_S3_ADDRESSING"] = "path";
  EXPECT_EQ(read().bucket_url("cah"), "https://s3.us-east-1.amazonaws.com/cah");
  variables_["CAH_S3_ADDRESSING"] = "sideways";
  EXPECT_NE(failure().find("CAH_S3_ADDRESSING"), std::string::npos);
}

TEST_F(S3ConfigTest, TheS3EndpointWinsOverTheGeneralOne) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  variables_["AWS_ENDPOINT_URL"] = "http://general:1";
  variables_["AWS_ENDPOINT_URL_S3"] = "http://s3-only:2";
  EXPECT_EQ(read().endpoint_url, "http://s3-only:2");
  variables_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(read().endpoint_url, "");
}

TEST_F(S3ConfigTest, NoCredentialsIsAClearError) {
  const std::string message = failure();
  EXPECT_NE(message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << message;
  // A key without its secret is not enough.
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  EXPECT_NE(failure().find("no AWS credentials"), std::string::npos);
}

TEST_F(S3ConfigTest, MessagesNeverShowSecrets) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "s3cr3t-value";
  variables_["AWS_ENDPOINT_URL"] = "http://user:s3cr3t-value@127.0.0.1:7480";
  const std::string message = failure();
  EXPECT_NE(message.find("AWS_ENDPOINT_URL"), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  variables_["AWS_ENDPOINT_URL"] = "ftp://127.0.0.1";
  EXPECT_NE(failure().find("http://"), std::string::npos);
}

TEST_F(S3ConfigTest, ReadsTheDefaultProfile) {
  write(home_ / ".aws/credentials",
        "# comment\n[default]\naws_access_key_id = FILEID\naws_secret_access_key=FILESECRET\n"
        "aws_session_token = FILETOKEN\n");
  write(home_ / ".aws/config", "[default]\nregion = eu-north-1\nmax_attempts = 3\n");
  const S3Config config = read();
  EXPECT_EQ(config.access_key_id, "FILEID");
  EXPECT_EQ(config.secret_access_key, "FILESECRET");
  EXPECT_EQ(config.session_token, "FILETOKEN");
  EXPECT_EQ(config.region, "eu-north-1");
  EXPECT_EQ(config.max_attempts, 3);
}

TEST_F(S3ConfigTest, ReadsANamedProfileAndItsS3Section) {
  write(home_ / ".aws/credentials",
        "[default]\naws_access_key_id = DEFAULTID\naws_secret_access_key = DEFAULTSECRET\n"
        "\n[ceph]\r\naws_access_key_id = CEPHID\r\naws_secret_access_key = CEPHSECRET\r\n");
  write(home_ / ".aws/config",
        "[default]\nregion = us-west-2\n"
        "[profile ceph]\nregion = ceph-1\ns3 =\n  endpoint_url = http://ceph:7480\n"
        "  addressing_style = virtual\n");
  variables_["AWS_PROFILE"] = "ceph";
  const S3Config config = read();
  EXPECT_EQ(config.access_key_id, "CEPHID");
  EXPECT_EQ(config.secret_access_key, "CEPHSECRET");
  EXPECT_EQ(config.region, "ceph-1");
  EXPECT_EQ(config.endpoint_url, "http://ceph:7480");
  EXPECT_EQ(config.addressing, S3Addressing::kVirtual);
  EXPECT_EQ(config.bucket_url("cah"), "http://cah.ceph:7480");
}

TEST_F(S3ConfigTest, CredentialsMayStandInTheConfigFile) {
  write(home_ / ".aws/config",
        "[profile ci]\naws_access_key_id = CONFIGID\naws_secret_access_key = CONFIGSECRET\n"
        "endpoint_url = https://objects.example\n");
  variables_["AWS_PROFILE"] = "ci";
  const S3Config config = read();
  EXPECT_EQ(config.access_key_id, "CONFIGID");
  EXPECT_EQ(config.endpoint_url, "https://objects.example");
}

TEST_F(S3ConfigTest, TheEnvironmentWinsOverTheFiles) {
  write(home_ / ".aws/credentials",
        "[default]\naws_access_key_id = FILEID\naws_secret_access_key = FILESECRET\n");
  write(home_ / ".aws/config", "[default]\nregion = eu-north-1\nendpoint_url = http://file:1\n");
  variables_["AWS_ACCESS_KEY_ID"] = "ENVID";
  variables_["AWS_SECRET_ACCESS_KEY"] = "ENVSECRET";
  variables_["AWS_REGION"] = "us-east-2";
  variables_["AWS_ENDPOINT_URL"] = "http://env:2";
  const S3Config config = read();
  EXPECT_EQ(config.access_key_id, "ENVID");
  EXPECT_EQ(config.secret_access_key, "ENVSECRET");
  EXPECT_EQ(config.session_token, "");
  EXPECT_EQ(config.region, "us-east-2");
  EXPECT_EQ(config.endpoint_url, "http://env:2");
}

TEST_F(S3ConfigTest, FilesCanBeElsewhere) {
  write(home_ / "creds", "[default]\naws_access_key_id = ELSEID\naws_secret_access_key = X\n");
  write(home_ / "conf", "[default]\nregion = sa-east-1\n");
  write(home_ / ".aws/credentials", "[default]\naws_access_key_id = HOMEID\n");
  variables_["AWS_SHARED_CREDENTIALS_FILE"] = "~/creds";
  variables_["AWS_CONFIG_FILE"] = (home_ / "conf").string();
  const S3Config config = read();
  EXPECT_EQ(config.access_key_id, "ELSEID");
  EXPECT_EQ(config.region, "sa-east-1");
}

TEST_F(S3ConfigTest, AMissingNamedProfileIsAnError) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  variables_["AWS_PROFILE"] = "nowhere";
  EXPECT_NE(failure().find("'nowhere'"), std::string::npos);
}

TEST_F(S3ConfigTest, ReadsTheCaBundle) {
  write(home_ / ".aws/config", "[default]\nca_bundle = ~/ca.pem\n");
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  EXPECT_EQ(read().ca_bundle, (home_ / "ca.pem").string());
  variables_["AWS_CA_BUNDLE"] = "/etc/ssl/corporate.pem";
  EXPECT_EQ(read().ca_bundle, "/etc/ssl/corporate.pem");
}

TEST_F(S3ConfigTest, MaxAttemptsFromTheEnvironment) {
  variables_["AWS_ACCESS_KEY_ID"] = "id";
  variables_["AWS_SECRET_ACCESS_KEY"] = "secret";
  variables_["AWS_MAX_ATTEMPTS"] = "2";
  EXPECT_EQ(read().max_attempts, 2);
  variables_["AWS_MAX_ATTEMPTS"] = "0";
  EXPECT_NE(failure().find("AWS_MAX_ATTEMPTS"), std::string::npos);
}

}  // namespace
}  // namespace store
