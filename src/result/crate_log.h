#pragma once
// One crate's log as it streams: the raw pty bytes to T/raw/NAME/VERSION,
// the rendered page to T/logs/NAME/VERSION and the diagnosis, all fed by one
// call, so that the three can never disagree. Nothing is visible in the
// store before commit(); a CrateLog destroyed or aborted before it leaves
// nothing behind (the store's ObjectWriter promise).

#include <memory>
#include <string>
#include <string_view>

#include "diagnosis/diagnosis.h"
#include "render/page.h"
#include "store/store.h"

namespace result {

class CrateLog {
 public:
  struct Parts {
    /// Store the raw bytes (false when they are being read back from it).
    bool raw = true;
    bool page = true;
    bool diagnose = true;
  };

  /// Opens the writers; throws store::StoreError, leaving nothing behind.
  CrateLog(store::Store& store, std::string_view tool, std::string_view crate,
           std::string_view version, Parts parts);
  CrateLog(store::Store& store, std::string_view tool, std::string_view crate,
           std::string_view version)
      : CrateLog(store, tool, crate, version, Parts{}) {}
  ~CrateLog();
  CrateLog(const CrateLog&) = delete;
  CrateLog& operator=(const CrateLog&) = delete;

  /// Raw terminal bytes, in chunks split anywhere. Throws store::StoreError.
  void feed(std::string_view bytes);
  /// Our own words in the crate's log, in bold and marked as ours:
  /// "crater-at-home: TEXT".
  void note(std::string_view text);
  /// Bytes fed so far.
  uint64_t bytes() const { return bytes_; }

  /// A log finished but not yet published: commit() in two halves, so that
  /// the publishing (store requests) can happen on another thread
  /// (store/write_queue.h). Destroyed unpublished, it leaves nothing.
  struct Finished {
    diagnosis::Diagnosis diagnosis;
    std::unique_ptr<store::ObjectWriter> raw;
    std::unique_ptr<store::ObjectWriter> html;
    /// Publishes the raw log, then the page: a page means its raw log is
    /// there. Throws store::StoreError.
    void publish();
  };
  /// Finishes the page and the diagnosis and hands over the writers; the
  /// CrateLog is spent. Throws store::StoreError (the log is then aborted).
  Finished finish(const diagnosis::Facts& facts);
  /// finish() and publish() at once. Throws store::StoreError (the log is
  /// then aborted).
  diagnosis::Diagnosis commit(const diagnosis::Facts& facts);
  /// Drops everything written; the store keeps what it had.
  void abort() noexcept;

 private:
  std::unique_ptr<store::ObjectWriter> raw_;
  std::unique_ptr<store::ObjectWriter> html_;
  std::unique_ptr<render::Page> page_;
  std::unique_ptr<diagnosis::Diagnoser> diagnoser_;
  uint64_t bytes_ = 0;
};

/// `text` as a line of the crater-at-home's own words in a log.
std::string note_line(std::string_view text);

}  // namespace result
