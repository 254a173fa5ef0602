#include "compare/compare.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <tuple>

#include "compare/log_lines.h"
#include "compare/pages.h"

namespace compare {
namespace {

using nlohmann::json;
using publish::Stamp;
using result::Outcome;

/// "NAME/VERSION" -> stamp of every result record of `run`.
std::map<std::string, Stamp, std::less<>> records_of(store::Store& store, std::string_view run) {
  const std::string prefix = result::results_prefix(run);
  std::map<std::string, Stamp, std::less<>> out;
  for (const store::ObjectInfo& info : store.list(prefix)) {
    std::string_view key(info.key);
    key.remove_prefix(prefix.size());
    if (!key.ends_with(".json")) continue;
    key.remove_suffix(5);
    out.emplace(std::string(key), Stamp::of(info));
  }
  return out;
}

Side side_of(const result::Record& record) {
  std::set<std::string> kinds;
  for (const diagnosis::Cause& cause : record.causes) kinds.insert(cause.kind);
  return {record.outcome, {kinds.begin(), kinds.end()}};
}

json stamp_json(const Stamp& stamp) { return {stamp.size, stamp.modified_ms}; }
Stamp stamp_from(const json& in) { return {in[0].get<uint64_t>(), in[1].get<int64_t>()}; }

json outcomes_json(const std::vector<result::Outcome>& outcomes) {
  json out = json::array();
  for (const result::Outcome outcome : outcomes) out.push_back(result::outcome_name(outcome));
  return out;
}

std::vector<result::Outcome> outcomes_from(const json& in) {
  std::vector<result::Outcome> out;
  for (const json& name : in) {
    const auto outcome = result::outcome_from_name(name.get<std::string>());
    if (!outcome) throw std::runtime_error("bad outcome");
    out.push_back(*outcome);
  }
  return out;
}

json side_json(const Side& side) {
  return {{"outcome", result::outcome_name(side.outcome)}, {"kinds", side.kinds}};
}

Side side_from(const json& in) {
  const auto outcome = result::outcome_from_name(in.at("outcome").get<std::string>());
  if (!outcome) throw std::runtime_error("bad outcome");
  return {*outcome, in.at("kinds").get<std::vector<std::string>>()};
}

json run_json(const Run& run) {
  return {{"name", run.name},
          {"toolchain", run.toolchain},
          {"tool", run.identity.tool},
          {"toolchain_version", run.identity.toolchain_version},
          {"toolchain_commit", run.identity.toolchain_commit},
          {"flags", run.identity.flags}};
}

Run run_from(const json& in) {
  return {in.at("name").get<std::string>(),
          {in.at("tool").get<std::string>(), in.at("toolchain_version").get<std::string>(),
           in.at("toolchain_commit").get<std::string>(),
           in.at("flags").get<std::map<std::string, std::string>>()},
          in.at("toolchain").get<std::string>()};
}

/// What the last comparison saw: every crate both ran, by "NAME/VERSION".
struct State {
  Run a;
  Run b;
  std::map<std::string, Comparison, std::less<>> entries;
};

State load_state(store::Store& store, const std::string& key, const CompareOptions& options) {
  State state{.a = {.name = options.a}, .b = {.name = options.b}};
  if (options.force) return state;
  const std::optional<std::string> text = store.get(key);
  if (!text) return state;
  try {
    const json in = json::parse(*text);
    if (in.at("version").get<int>() != kCompareVersion) return state;
    state.a = run_from(in.at("a"));
    state.b = run_from(in.at("b"));
    for (const auto& [crate_key, value] : in.at("entries").items()) {
      Comparison comparison{
          .crate = value.at("crate").get<std::string>(),
          .version = value.at("version").get<std::string>(),
          .a = side_from(value.at("a")),
          .b = side_from(value.at("b")),
          .stamp_a = stamp_from(value.at("stamp_a")),
          .stamp_b = stamp_from(value.at("stamp_b")),
      };
      const auto category = category_from_name(value.at("category").get<std::string>());
      if (!category) return {.a = {.name = options.a}, .b = {.name = options.b}};
      comparison.category = *category;
      comparison.retries_a = outcomes_from(value.value("retries_a", json::array()));
      comparison.retries_b = outcomes_from(value.value("retries_b", json::array()));
      if (!value.at("first_difference").is_null()) {
        comparison.first_difference = value.at("first_difference").get<size_t>();
      }
      state.entries.emplace(crate_key, std::move(comparison));
    }
  } catch (const std::exception&) {
    // A state that cannot be read costs a slow comparison, never a wrong one.
    return {.a = {.name = options.a}, .b = {.name = options.b}};
  }
  return state;
}

void save_state(store::Store& store, const std::string& key, const State& state) {
  json entries = json::object();
  for (const auto& [crate_key, c] : state.entries) {
    entries[crate_key] = {
        {"crate", c.crate},
        {"version", c.version},
        {"a", side_json(c.a)},
        {"b", side_json(c.b)},
        {"category", category_name(c.category)},
        {"first_difference", c.first_difference ? json(*c.first_difference) : json(nullptr)},
        {"stamp_a", stamp_json(c.stamp_a)},
        {"stamp_b", stamp_json(c.stamp_b)},
        {"retries_a", outcomes_json(c.retries_a)},
        {"retries_b", outcomes_json(c.retries_b)},
    };
  }
  const json out = {{"version", kCompareVersion},
                    {"a", run_json(state.a)},
                    {"b", run_json(state.b)},
                    {"entries", std::move(entries)}};
  store.put(key, out.dump(), store::kJsonType);
}

void check_run_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find("..") != std::string_view::npos) {
    throw std::invalid_argument("a run's name must be one path segment without \"..\": '" +
                                std::string(name) + "'");
  }
}

/// Runs the crates newly regressed or fixed again on both sides; a crate
/// whose outcome on one side is not always the same is flaky.
void retry(store::Store& store_a, store::Store& store_b, const CompareOptions& options,
           const State& state, const std::vector<Comparison*>& fresh, CompareStats& stats) {
  std::vector<Comparison*> changed;
  std::vector<std::pair<std::string, std::string>> crates;
  for (Comparison* c : fresh) {
    if (c->category != Category::kRegressed && c->category != Category::kFixed) continue;
    changed.push_back(c);
    crates.emplace_back(c->crate, c->version);
  }
  if (changed.empty() || options.retry == 0 || !options.run_again) return;
  stats.retried = changed.size();
  for (unsigned attempt = 1; attempt <= options.retry; ++attempt) {
    for (const bool side_b : {false, true}) {
      const Run& run = side_b ? state.b : state.a;
      store::Store& store = side_b ? store_b : store_a;
      const std::string again = retry_name(run.name, attempt);
      options.run_again(run, again, side_b, crates);
      for (Comparison* c : changed) {
        const std::optional<std::string> text =
            store.get(result::result_key(again, c->crate, c->version));
        if (!text) continue;  // the retry could not run it: nothing learnt
        (side_b ? c->retries_b : c->retries_a).push_back(result::parse_record(*text).outcome);
      }
    }
  }
  for (Comparison* c : changed) {
    const auto varies = [](Outcome first, const std::vector<Outcome>& again) {
      return std::any_of(again.begin(), again.end(), [&](Outcome o) { return o != first; });
    };
    if (varies(c->a.outcome, c->retries_a) || varies(c->b.outcome, c->retries_b)) {
      c->category = Category::kFlaky;
    }
  }
}

}  // namespace

std::string retry_name(std::string_view run, unsigned attempt) {
  return std::string(run) + "~retry" + std::to_string(attempt);
}

std::string compare_prefix(std::string_view a, std::string_view b) {
  return "compare/" + std::string(a) + ".." + std::string(b) + "/";
}

std::string crate_page_key(std::string_view a, std::string_view b, std::string_view crate,
                           std::string_view version) {
  return compare_prefix(a, b) + std::string(crate) + "/" + std::string(version) + ".html";
}

CompareStats compare_runs(store::Store& store_a, store::Store& store_b,
                          const CompareOptions& options,
                          const std::map<std::string, uint64_t, std::less<>>& downloads) {
  check_run_name(options.a);
  check_run_name(options.b);
  const bool same_store = &store_a == &store_b;
  const std::string prefix = compare_prefix(options.a, options.b);
  const std::string state_key = prefix + "state.json";
  const auto records_a = records_of(store_a, options.a);
  const auto records_b = records_of(store_b, options.b);
  // A misspelt name: say so rather than write an empty comparison.
  for (const auto& [name, records, store] :
       {std::tuple{&options.a, &records_a, &store_a}, {&options.b, &records_b, &store_b}}) {
    if (records->empty()) {
      throw std::runtime_error("no results of run '" + *name + "' in " + store->url());
    }
  }
  State old = load_state(store_a, state_key, options);
  State state{.a = old.a, .b = old.b};
  CompareStats stats{.records_a = records_a.size(), .records_b = records_b.size()};
  std::vector<std::string> fresh_keys;  // compared now, and changed

  for (const auto& [key, stamp_a] : records_a) {
    const auto found_b = records_b.find(key);
    if (found_b == records_b.end()) continue;
    ++stats.common;
    const Stamp& stamp_b = found_b->second;
    if (const auto previous = old.entries.find(key); previous != old.entries.end() &&
                                                     previous->second.stamp_a == stamp_a &&
                                                     previous->second.stamp_b == stamp_b) {
      state.entries.emplace(key, std::move(previous->second));
      old.entries.erase(previous);
      ++stats.reused;
      continue;
    }
    const std::optional<std::string> text_a =
        store_a.get(result::results_prefix(options.a) + key + ".json");
    const std::optional<std::string> text_b =
        store_b.get(result::results_prefix(options.b) + key + ".json");
    if (!text_a || !text_b) continue;  // removed since the listing
    const result::Record record_a = result::parse_record(*text_a);
    const result::Record record_b = result::parse_record(*text_b);
    state.a.identity = record_a.identity;
    state.a.toolchain = record_a.toolchain;
    state.b.identity = record_b.identity;
    state.b.toolchain = record_b.toolchain;
    Comparison comparison{
        .crate = record_a.crate,
        .version = record_a.version,
        .a = side_of(record_a),
        .b = side_of(record_b),
        .stamp_a = stamp_a,
        .stamp_b = stamp_b,
    };
    comparison.category = classify(comparison.a, comparison.b);
    ++stats.compared;
    if (comparison.category != Category::kUnchanged) {
      fresh_keys.push_back(key);
    } else if (const auto previous = old.entries.find(key);
               previous != old.entries.end() && previous->second.category != Category::kUnchanged) {
      store_a.remove(crate_page_key(options.a, options.b, comparison.crate, comparison.version));
    }
    old.entries.erase(key);
    state.entries.emplace(key, std::move(comparison));
  }
  std::vector<Comparison*> fresh;
  fresh.reserve(fresh_keys.size());
  for (const std::string& key : fresh_keys) fresh.push_back(&state.entries.at(key));
  retry(store_a, store_b, options, state, fresh, stats);
  for (Comparison* comparison : fresh) {
    const LogLines log_a =
        read_log_lines(store_a, result::raw_key(options.a, comparison->crate, comparison->version),
                       options.max_log_lines);
    const LogLines log_b =
        read_log_lines(store_b, result::raw_key(options.b, comparison->crate, comparison->version),
                       options.max_log_lines);
    comparison->first_difference = first_difference(log_a.lines, log_b.lines);
    store_a.put(crate_page_key(options.a, options.b, comparison->crate, comparison->version),
                crate_page(state.a, state.b, *comparison, log_a, log_b, same_store),
                store::kHtmlType);
    ++stats.pages;
  }
  // Crates no longer in both runs lose their pages.
  for (const auto& [key, gone] : old.entries) {
    if (gone.category != Category::kUnchanged) {
      store_a.remove(crate_page_key(options.a, options.b, gone.crate, gone.version));
    }
  }

  std::vector<const Comparison*> sorted;
  sorted.reserve(state.entries.size());
  for (auto& [key, comparison] : state.entries) {
    const auto found = downloads.find(comparison.crate);
    comparison.downloads = found != downloads.end() ? found->second : 0;
    sorted.push_back(&comparison);
    ++stats.counts[comparison.category];
  }
  // Most downloaded first: the changes that matter to most people.
  std::stable_sort(sorted.begin(), sorted.end(), [](const Comparison* x, const Comparison* y) {
    return x->downloads > y->downloads;
  });
  store_a.put(prefix + "compare.json", comparison_json(state.a, state.b, sorted).dump(1) + "\n",
              store::kJsonType);
  store_a.put(prefix + "index.html", index_page(state.a, state.b, sorted, same_store),
              store::kHtmlType);
  save_state(store_a, state_key, state);
  return stats;
}

}  // namespace compare
