#include "registry/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace registry {
namespace {

class Digest {
 public:
  Digest() : context_(EVP_MD_CTX_new()) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("OpenSSL cannot compute SHA-256");
    }
  }

  void update(const void* bytes, size_t size) {
    if (EVP_DigestUpdate(context_.get(), bytes, size) != 1) {
      throw std::runtime_error("OpenSSL cannot compute SHA-256");
    }
  }

  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned size = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest.data(), &size) != 1) {
      throw std::runtime_error("OpenSSL cannot compute SHA-256");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string result;
    for (unsigned i = 0; i < size; ++i) {
      result += kHex[digest[i] >> 4];
      result += kHex[digest[i] & 0xf];
    }
    return result;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

struct Close {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::string sha256(std::string_view bytes) {
  Digest digest;
  digest.update(bytes.data(), bytes.size());
  return digest.hex();
}

std::string sha256_file(const std::filesystem::path& file) {
  std::unique_ptr<std::FILE, Close> in(std::fopen(file.c_str(), "rbe"));
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
  Digest digest;
  std::array<char, size_t{64} * 1024> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), in.get())) > 0) {
    digest.update(buffer.data(), n);
  }
  if (std::ferror(in.get())) {
    throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
  }
  return digest.hex();
}

}  // namespace registry
