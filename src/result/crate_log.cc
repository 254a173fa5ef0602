#include "result/crate_log.h"

#include "result/record.h"

namespace result {

CrateLog::CrateLog(store::Store& store, std::string_view tool, std::string_view crate,
                   std::string_view version, Parts parts) {
  if (parts.raw) raw_ = store.open_writer(raw_key(tool, crate, version), store::kRawLogType);
  if (parts.page) {
    html_ = store.open_writer(log_key(tool, crate, version), store::kHtmlType);
    store::ObjectWriter* html = html_.get();
    page_ = std::make_unique<render::Page>(log_title(tool, crate, version),
                                           [html](std::string_view bytes) { html->write(bytes); });
  }
  if (parts.diagnose) diagnoser_ = std::make_unique<diagnosis::Diagnoser>();
}

CrateLog::~CrateLog() { abort(); }

void CrateLog::feed(std::string_view bytes) {
  bytes_ += bytes.size();
  if (raw_) raw_->write(bytes);
  if (page_) page_->feed(bytes);
  if (diagnoser_) diagnoser_->feed(bytes);
}

std::string note_line(std::string_view text) {
  return "\r\n\x1b[1mcrater-at-home: " + std::string(text) + "\x1b[0m\r\n";
}

void CrateLog::note(std::string_view text) { feed(note_line(text)); }

CrateLog::Finished CrateLog::finish(const diagnosis::Facts& facts) {
  try {
    Finished finished;
    if (diagnoser_) finished.diagnosis = diagnoser_->finish(facts);
    if (page_) page_->finish();
    page_.reset();
    finished.raw = std::move(raw_);
    finished.html = std::move(html_);
    return finished;
  } catch (...) {
    abort();
    throw;
  }
}

void CrateLog::Finished::publish() {
  if (raw) raw->commit();
  if (html) html->commit();
}

diagnosis::Diagnosis CrateLog::commit(const diagnosis::Facts& facts) {
  Finished finished = finish(facts);
  finished.publish();  // a writer that throws is aborted; the other goes with `finished`
  return std::move(finished.diagnosis);
}

void CrateLog::abort() noexcept {
  if (raw_) raw_->abort();
  if (html_) html_->abort();
}

}  // namespace result
