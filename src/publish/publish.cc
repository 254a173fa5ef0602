#include "publish/publish.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>

#include "diagnosis/diagnosis.h"
#include "publish/publish_state.h"
#include "render/page.h"
#include "report/archives.h"
#include "report/site.h"
#include "result/crate_log.h"
#include "result/record.h"

namespace publish {
namespace {

using nlohmann::json;

/// "T/raw/NAME/VERSION" -> "NAME/VERSION" for every object under `prefix`,
/// less `suffix`.
std::map<std::string, Stamp, std::less<>> listing(store::Store& store, const std::string& prefix,
                                                  std::string_view suffix = {}) {
  std::map<std::string, Stamp, std::less<>> out;
  for (const store::ObjectInfo& info : store.list(prefix)) {
    std::string_view key(info.key);
    key.remove_prefix(prefix.size());
    if (!suffix.empty()) {
      if (!key.ends_with(suffix)) continue;
      key.remove_suffix(suffix.size());
    }
    out.emplace(std::string(key), Stamp::of(info));
  }
  return out;
}

/// `from[key]` into `to[key]` when it is a non-empty string.
void copy_text(const json& from, json& to, const char* key) {
  if (const auto it = from.find(key);
      it != from.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    to[key] = *it;
  }
}

/// The tool's environment as the site shows it: "NAME=value NAME=value".
std::string flags_text(const json& env) {
  std::string text;
  if (!env.is_object()) return text;
  for (const auto& [name, value] : env.items()) {
    if (!value.is_string()) continue;
    if (!text.empty()) text += ' ';
    text += name + "=" + value.get<std::string>();
  }
  return text;
}

/// The crate's line in results.json, and what the site needs of it: from
/// the record, and from the fields of the record's JSON that newer records
/// carry (toolchain_version, env, registry, engine), when present.
json summary_of(const result::Record& record, const json& record_json) {
  const json diagnosis = diagnosis::to_json(diagnosis::Diagnosis{
      .outcome = record.outcome, .causes = record.causes, .spurious = record.spurious});
  json summary = {
      {"crate", record.crate},
      {"version", record.version},
      {"outcome", std::string(result::outcome_name(record.outcome))},
      {"causes", diagnosis.at("causes")},
      {"spurious", diagnosis.at("spurious")},
      {"reason", record.reason()},
      {"wall_seconds", record.wall_seconds},
      {"peak_memory_bytes", record.peak_memory_bytes},
      {"attempts", record.attempts},
      {"error", record.error},
  };
  for (const char* key : {"toolchain", "toolchain_version", "registry", "engine", "started"}) {
    copy_text(record_json, summary, key);
  }
  // Records name the tool's environment "flags" (older fixtures "env").
  const json& env = record_json.contains("flags") ? record_json.at("flags")
                                                  : record_json.value("env", json::object());
  if (const std::string flags = flags_text(env); !flags.empty()) {
    summary["flags"] = flags;
  }
  return summary;
}

report::CrateEntry entry_of(const json& summary,
                            const std::map<std::string, uint64_t, std::less<>>& downloads) {
  report::CrateEntry entry{
      .crate = summary.at("crate").get<std::string>(),
      .version = summary.at("version").get<std::string>(),
      .outcome = summary.at("outcome").get<std::string>(),
      .wall_seconds = summary.value("wall_seconds", 0.0),
      .peak_memory_bytes = summary.value("peak_memory_bytes", uint64_t{0}),
      .reason = summary.value("reason", ""),
      .toolchain = summary.value("toolchain", ""),
      .toolchain_version = summary.value("toolchain_version", ""),
      .flags = summary.value("flags", ""),
      .registry = summary.value("registry", ""),
      .engine = summary.value("engine", ""),
      .started = summary.value("started", ""),
  };
  if (entry.reason.empty() && entry.outcome == "error") entry.reason = summary.value("error", "");
  for (const json& cause : summary.value("causes", json::array())) {
    entry.findings.push_back({cause.value("kind", ""), cause.value("source_crate", ""),
                              cause.value("possible_false_positive", false)});
  }
  if (const auto found = downloads.find(entry.crate); found != downloads.end()) {
    entry.downloads = found->second;
  }
  return entry;
}

/// An object that cannot be used, with its key.
struct SkipError : std::runtime_error {
  SkipError(std::string key, const std::string& reason)
      : std::runtime_error(reason), key(std::move(key)) {}
  std::string key;
};

void skip(SyncStats& stats, const std::string& key, const std::string& reason) {
  for (const Skipped& skipped : stats.skipped) {
    if (skipped.key == key) return;  // met again (the archives read it too)
  }
  stats.skipped.push_back({key, reason});
}

/// Renders and/or diagnoses one log from its raw bytes, streaming. Throws
/// SkipError naming the raw log that cannot be read or the page that
/// cannot be written; the store then keeps what it had.
void redo(store::Store& store, const std::string& tool, result::Record& record, bool render,
          bool diagnose) {
  const std::string raw_key = result::raw_key(tool, record.crate, record.version);
  const std::string page_key = result::log_key(tool, record.crate, record.version);
  std::optional<result::CrateLog> log;
  try {
    log.emplace(store, tool, record.crate, record.version,
                result::CrateLog::Parts{.raw = false, .page = render, .diagnose = diagnose});
  } catch (const std::exception& e) {
    throw SkipError(page_key, e.what());
  }
  bool writing = false;  // an exception inside the sink is the page's
  try {
    store.read(raw_key, [&](std::string_view bytes) {
      writing = true;
      log->feed(bytes);
      writing = false;
    });
  } catch (const std::exception& e) {
    throw SkipError(writing ? page_key : raw_key, e.what());
  }
  diagnosis::Diagnosis diagnosis;
  try {
    diagnosis = log->commit(record.facts());
  } catch (const std::exception& e) {
    throw SkipError(page_key, e.what());
  }
  if (render) record.renderer_version = render::kRendererVersion;
  if (diagnose) record.apply(diagnosis);
}

void write_results_json(store::Store& store, const std::string& tool, const SyncState& state) {
  auto out = store.open_writer(tool + "/results.json", store::kJsonType);
  out->write("[\n");
  bool first = true;
  for (const auto& [key, entry] : state.entries) {
    out->write(first ? "" : ",\n");
    out->write(entry.summary.dump());
    first = false;
  }
  out->write("\n]\n");
  out->commit();
}

}  // namespace

namespace {

/// The state of the last sync; one that cannot be read is skipped, and
/// everything is looked at again.
SyncState previous_state(store::Store& store, const std::string& tool, SyncStats& stats) {
  try {
    return load_state(store, tool);
  } catch (const std::exception& e) {
    skip(stats, state_key(tool), std::string(e.what()) + "; made again from every record");
    return {};
  }
}

}  // namespace

SyncStats sync_tool(store::Store& store, const SyncOptions& options,
                    const std::map<std::string, uint64_t, std::less<>>& downloads) {
  const std::string& tool = options.tool;
  SyncStats stats;
  const auto raws = listing(store, tool + "/raw/");
  const auto results = listing(store, result::results_prefix(tool), ".json");
  std::optional<std::set<std::string, std::less<>>> pages;  // listed only when needed
  SyncState old = previous_state(store, tool, stats);
  const bool versions_changed = old.renderer_version != render::kRendererVersion ||
                                old.diagnosis_version != diagnosis::kDiagnosisVersion;
  SyncState state{.renderer_version = render::kRendererVersion,
                  .diagnosis_version = diagnosis::kDiagnosisVersion};
  bool changed = options.force;

  // A record is read again when it or its raw log changed since the last
  // sync; the others are taken from the state without a request.
  const auto unchanged = [&](const std::string& key, const Stamp& result_stamp) {
    const auto previous = old.entries.find(key);
    const auto raw = raws.find(key);
    return !options.force && !versions_changed && previous != old.entries.end() &&
           previous->second.result == result_stamp &&
           previous->second.raw == (raw != raws.end() ? raw->second : Stamp{});
  };
  std::vector<store::WantedObject> wanted;
  for (const auto& [key, result_stamp] : results) {
    if (!unchanged(key, result_stamp)) {
      wanted.push_back({result::results_prefix(tool) + key + ".json", result_stamp.size});
    }
  }
  store::ReadAhead records(store, std::move(wanted), options.read_ahead);

  for (const auto& [key, result_stamp] : results) {
    ++stats.results;
    const auto raw = raws.find(key);
    const Stamp raw_stamp = raw != raws.end() ? raw->second : Stamp{};
    const auto previous = old.entries.find(key);
    if (unchanged(key, result_stamp)) {
      state.entries.emplace(key, std::move(previous->second));
      ++stats.unchanged;
      continue;
    }
    changed = true;
    const std::string result_key = result::results_prefix(tool) + key + ".json";
    std::optional<std::string> text;
    result::Record record;
    try {
      const store::ReadAhead::Object object = records.take();
      // A record bigger than the read-ahead takes is read here.
      text = object.read ? object.bytes : store.get(result_key);
      if (!text) continue;  // removed since the listing
      record = result::parse_record(*text);
    } catch (const std::exception& e) {
      skip(stats, result_key, e.what());
      // The site keeps the crate's last line; its stamps, as old as they
      // are, make the next sync read the record again.
      if (previous != old.entries.end()) state.entries.emplace(key, std::move(previous->second));
      continue;
    }
    Stamp new_result_stamp = result_stamp;
    bool redone = false;
    bool complete = true;
    if (raw == raws.end()) {
      ++stats.missing_raw;
    } else {
      const bool raw_changed = previous != old.entries.end() && previous->second.raw != raw_stamp;
      if (!pages)
        pages = [&] {
          std::set<std::string, std::less<>> keys;
          for (const auto& [page_key, stamp] : listing(store, tool + "/logs/"))
            keys.insert(page_key);
          return keys;
        }();
      const bool render = options.force || raw_changed ||
                          record.renderer_version != render::kRendererVersion ||
                          !pages->contains(key);
      const bool diagnose =
          options.force || raw_changed || record.diagnosis_version != diagnosis::kDiagnosisVersion;
      if (render || diagnose) {
        try {
          result::Record redone_record = record;
          redo(store, tool, redone_record, render, diagnose);
          record = std::move(redone_record);
          stats.rendered += render ? 1 : 0;
          stats.diagnosed += diagnose ? 1 : 0;
          redone = true;
        } catch (const SkipError& e) {
          skip(stats, e.key, e.what());
          complete = false;  // the record as it was, and again next time
        }
      }
    }
    // A record in an older shape is stored again in today's.
    if (record.upgraded) ++stats.upgraded;
    if (redone || record.upgraded) {
      store.put(result_key, result::to_json(record), store::kJsonType);
      if (const auto info = store.head(result_key)) new_result_stamp = Stamp::of(*info);
    }
    // The record as stored, for the fields result::Record does not know.
    const json record_json = json::parse(*text, nullptr, false);
    state.entries.emplace(key, Entry{raw_stamp, complete ? new_result_stamp : Stamp{},
                                     summary_of(record, record_json)});
  }
  changed = changed || versions_changed || state.entries.size() != old.entries.size();

  // Unchanged entries and versions: results.json and the state are as
  // they were.
  if (changed || !store.head(tool + "/results.json")) write_results_json(store, tool, state);
  // The archives first: the index links them only if they exist. Archives
  // that left an object out are made again next time.
  if (options.archives &&
      (changed || !old.archives_complete || !store.head(tool + "/raw.tar.xz"))) {
    bool complete = true;
    report::write_archives(store, tool,
                           {.unreadable =
                                [&](const std::string& key, const std::string& reason) {
                                  skip(stats, key, "left out of the archives: " + reason);
                                  complete = false;
                                },
                            .read_ahead = options.read_ahead});
    state.archives_complete = complete;
    stats.archives_written = true;
  } else {
    state.archives_complete = old.archives_complete;
  }
  std::vector<report::CrateEntry> entries;
  entries.reserve(state.entries.size());
  for (const auto& [key, entry] : state.entries) {
    entries.push_back(entry_of(entry.summary, downloads));
  }
  report::write_site(store, tool, entries);
  if (changed || state.archives_complete != old.archives_complete || !stats.skipped.empty() ||
      !store.head(state_key(tool))) {
    try {
      save_state(store, tool, state);
    } catch (const std::exception& e) {
      skip(stats, state_key(tool), std::string("cannot be saved: ") + e.what());
    }
  }
  return stats;
}

}  // namespace publish
