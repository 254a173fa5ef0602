#include "publish/publish_state.h"

#include <stdexcept>

namespace publish {

using nlohmann::json;

Stamp Stamp::of(const store::ObjectInfo& info) {
  return Stamp{info.size, std::chrono::duration_cast<std::chrono::milliseconds>(
                              info.last_modified.time_since_epoch())
                              .count()};
}

std::string state_key(std::string_view tool) { return std::string(tool) + "/sync-state.json"; }

SyncState load_state(store::Store& store, std::string_view tool) {
  SyncState state;
  const std::optional<std::string> text = store.get(state_key(tool));
  if (!text) return state;
  try {
    const json in = json::parse(*text);
    state.renderer_version = in.at("renderer_version").get<int>();
    state.diagnosis_version = in.at("diagnosis_version").get<int>();
    state.archives_complete = in.value("archives_complete", true);
    for (const auto& [key, value] : in.at("entries").items()) {
      Entry entry;
      entry.raw = {value.at("raw")[0].get<uint64_t>(), value.at("raw")[1].get<int64_t>()};
      entry.result = {value.at("result")[0].get<uint64_t>(), value.at("result")[1].get<int64_t>()};
      entry.summary = value.at("summary");
      state.entries.emplace(key, std::move(entry));
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(text->empty() ? std::string("empty object")
                                           : std::string("not a sync state: ") + e.what());
  }
  return state;
}

void save_state(store::Store& store, std::string_view tool, const SyncState& state) {
  json entries = json::object();
  for (const auto& [key, entry] : state.entries) {
    entries[key] = {{"raw", {entry.raw.size, entry.raw.modified_ms}},
                    {"result", {entry.result.size, entry.result.modified_ms}},
                    {"summary", entry.summary}};
  }
  const json out = {{"renderer_version", state.renderer_version},
                    {"diagnosis_version", state.diagnosis_version},
                    {"archives_complete", state.archives_complete},
                    {"entries", std::move(entries)}};
  store.put(state_key(tool), out.dump(), store::kJsonType);
}

}  // namespace publish
