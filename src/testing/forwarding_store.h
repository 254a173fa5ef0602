#pragma once
// A store::Store that hands every call to a real store it owns: a test
// derives from it and overrides only the behaviour it changes (slow reads,
// failing commits, a permission check), so the rest stays the real
// backend's.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace testing_store {

class ForwardingStore : public store::Store {
 public:
  explicit ForwardingStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}

  std::optional<std::string> get(std::string_view key) override { return inner_->get(key); }
  bool read(std::string_view key, const std::function<void(std::string_view)>& sink) override {
    return inner_->read(key, sink);
  }
  std::optional<store::ObjectInfo> head(std::string_view key) override { return inner_->head(key); }
  std::vector<store::ObjectInfo> list(std::string_view prefix) override {
    return inner_->list(prefix);
  }
  void remove(std::string_view key) override { inner_->remove(key); }
  size_t remove_stale_temporaries(std::string_view prefix) override {
    return inner_->remove_stale_temporaries(prefix);
  }
  std::string url() const override { return inner_->url(); }

 protected:
  std::unique_ptr<store::ObjectWriter> do_open_writer(std::string_view key,
                                                      std::string_view content_type) override {
    return inner_->open_writer(key, content_type);
  }
  store::Store& inner() { return *inner_; }

 private:
  std::unique_ptr<store::Store> inner_;
};

}  // namespace testing_store
