#include "report/crate_lists.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "report/escape.h"
#include "report/site.h"

namespace report {

namespace {

uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3;
  }
  return hash;
}

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

/// A store key segment for an outcome: its name if it is a plain word, so
/// the store reads well; a hash for anything else.
std::string outcome_path(std::string_view outcome) {
  const bool plain =
      !outcome.empty() && outcome.size() <= 40 &&
      std::all_of(
          outcome.begin(), outcome.end(),
          [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }) &&
      !outcome.starts_with("kind-") && !outcome.starts_with("outcome-");
  return "lists/" + (plain ? std::string(outcome) : "outcome-" + hex(fnv1a(outcome)));
}

void most_downloaded_first(std::vector<const CrateEntry*>& crates) {
  std::sort(crates.begin(), crates.end(), [](const CrateEntry* a, const CrateEntry* b) {
    if (a->downloads != b->downloads) return a->downloads > b->downloads;
    return a->crate < b->crate;
  });
}

}  // namespace

size_t CrateLists::count(std::string_view outcome) const {
  for (const CrateList& list : outcomes) {
    if (list.outcome == outcome) return list.crates.size();
  }
  return 0;
}

CrateLists make_lists(const std::vector<const CrateEntry*>& newest) {
  std::map<std::string, std::vector<const CrateEntry*>, std::less<>> by_outcome, by_kind;
  for (const CrateEntry* entry : newest) {
    by_outcome[entry->outcome].push_back(entry);
    if (entry->outcome != "ub") continue;
    std::set<std::string_view> kinds;  // a crate with two reports of one kind counts once
    for (const Finding& finding : entry->findings) kinds.insert(finding.kind);
    for (std::string_view kind : kinds) by_kind[std::string(kind)].push_back(entry);
  }
  CrateLists lists;
  for (std::string_view outcome : kOutcomes) {
    CrateList list{.outcome = std::string(outcome), .path = outcome_path(outcome)};
    if (auto it = by_outcome.find(outcome); it != by_outcome.end()) {
      list.crates = std::move(it->second);
      by_outcome.erase(it);
    }
    lists.outcomes.push_back(std::move(list));
  }
  for (auto& [outcome, crates] : by_outcome) {
    lists.outcomes.push_back(
        {.outcome = outcome, .path = outcome_path(outcome), .crates = std::move(crates)});
  }
  for (auto& [kind, crates] : by_kind) {
    lists.kinds.push_back({.outcome = "ub",
                           .kind = kind,
                           .path = "lists/kind-" + hex(fnv1a(kind)),
                           .crates = std::move(crates)});
  }
  std::stable_sort(
      lists.kinds.begin(), lists.kinds.end(),
      [](const CrateList& a, const CrateList& b) { return a.crates.size() > b.crates.size(); });
  for (CrateList& list : lists.outcomes) most_downloaded_first(list.crates);
  for (CrateList& list : lists.kinds) most_downloaded_first(list.crates);
  return lists;
}

std::string slice_json(const std::vector<const CrateEntry*>& crates, size_t first, size_t count) {
  std::string json = "[";
  const size_t end = std::min(crates.size(), first + count);
  char number[64];
  for (size_t i = first; i < end; ++i) {
    const CrateEntry& entry = *crates[i];
    if (i != first) json += ",\n";
    json += '[';
    json += json_string(entry.crate);
    json += ',';
    json += json_string(entry.version);
    std::snprintf(number, sizeof number, ",%llu,%.1f,%llu,[",
                  static_cast<unsigned long long>(entry.downloads), entry.wall_seconds,
                  static_cast<unsigned long long>(entry.peak_memory_bytes));
    json += number;
    bool first_cause = true;
    for (const Finding& finding : entry.findings) {
      if (!first_cause) json += ',';
      first_cause = false;
      json += '[' + json_string(finding.kind) + ',' + json_string(finding.source_crate) +
              (finding.possible_false_positive ? ",1]" : ",0]");
    }
    json += "],";
    json += json_string(entry.reason);
    json += ']';
  }
  json += "]\n";
  return json;
}

void write_list_slices(store::Store& store, std::string_view tool, const CrateLists& lists) {
  const std::string root = std::string(tool) + "/";
  std::set<std::string> written;
  auto write = [&](const CrateList& list) {
    for (size_t first = 0; first < list.crates.size(); first += kSliceRows) {
      const std::string key = root + list.path + "/" + std::to_string(first / kSliceRows) + ".json";
      put_if_changed(store, key, slice_json(list.crates, first, kSliceRows), store::kJsonType);
      written.insert(key);
    }
  };
  for (const CrateList& list : lists.outcomes) write(list);
  for (const CrateList& list : lists.kinds) write(list);
  for (const store::ObjectInfo& info : store.list(root + "lists/")) {
    if (!written.contains(info.key)) store.remove(info.key);
  }
}

}  // namespace report
