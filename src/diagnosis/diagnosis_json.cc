#include <array>
#include <stdexcept>
#include <utility>

#include "diagnosis/diagnosis.h"

namespace diagnosis {
namespace {

using nlohmann::json;

}  // namespace

json to_json(const Diagnosis& diagnosis) {
  json causes = json::array();
  for (const Cause& cause : diagnosis.causes) {
    causes.push_back({
        {"kind", cause.kind},
        {"tool", cause.tool},
        {"source_crate", cause.source_crate},
        {"source_version", cause.source_version},
        {"possible_false_positive", cause.possible_false_positive},
        {"excerpt", cause.excerpt},
    });
  }
  return {
      {"version", kDiagnosisVersion},
      {"outcome", outcome_name(diagnosis.outcome)},
      {"causes", causes},
      {"spurious", diagnosis.spurious},
  };
}

Diagnosis diagnosis_from_json(const json& in) {
  try {
    Diagnosis diagnosis;
    const auto name = in.at("outcome").get<std::string>();
    const auto outcome = outcome_from_name(name);
    if (!outcome) throw std::runtime_error("unknown outcome '" + name + "'");
    diagnosis.outcome = *outcome;
    for (const json& cause : in.at("causes")) {
      const json& source = cause.at("source_crate");
      // Diagnoses before version 2 have no source_version.
      const auto version = cause.find("source_version");
      diagnosis.causes.push_back({
          .kind = cause.at("kind").get<std::string>(),
          .tool = cause.at("tool").get<std::string>(),
          .source_crate = source.is_null() ? std::string() : source.get<std::string>(),
          .source_version = version == cause.end() || version->is_null()
                                ? std::string()
                                : version->get<std::string>(),
          .possible_false_positive = cause.at("possible_false_positive").get<bool>(),
          .excerpt = cause.at("excerpt").get<std::string>(),
      });
    }
    diagnosis.spurious = in.at("spurious").get<std::vector<std::string>>();
    return diagnosis;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("bad diagnosis: ") + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("bad diagnosis: ") + e.what());
  }
}

}  // namespace diagnosis
