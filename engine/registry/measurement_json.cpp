#include "engine/registry/measurement_json.h"

#include <cmath>
#include <limits>

#include "engine/error.h"

namespace hr::registry {
namespace {

Status parse_status(const std::string& s) {
  for (Status st : {Status::Ok, Status::Failed, Status::Unsupported})
    if (s == status_name(st)) return st;
  fail("unknown status '{}' (ok, failed, unsupported)", s);
}

}  // namespace

nlohmann::json to_json(const Measurement& m) {
  nlohmann::json out = nlohmann::json::array();
  for (const VersionResult& r : m.versions) {
    nlohmann::json v = {{"name", r.name}, {"status", status_name(r.status)}};
    if (r.status != Status::Unsupported) v["error"] = std::isfinite(r.error) ? nlohmann::json(r.error) : nullptr;
    if (r.status == Status::Ok) v["ms"] = r.ms;
    if (!r.detail.empty()) v["detail"] = r.detail;
    out.push_back(std::move(v));
  }
  return out;
}

Measurement measurement_from_json(const nlohmann::json& j) {
  HR_CHECK(j.is_array(), "a list of versions is expected");
  Measurement m;
  for (const nlohmann::json& v : j) {
    VersionResult r;
    r.name = v.at("name").get<std::string>();
    r.status = parse_status(v.at("status").get<std::string>());
    if (const auto e = v.find("error"); e != v.end())
      r.error = e->is_null() ? std::numeric_limits<double>::quiet_NaN() : e->get<double>();
    if (r.status == Status::Ok) r.ms = v.at("ms").get<double>();
    if (const auto d = v.find("detail"); d != v.end()) r.detail = d->get<std::string>();
    HR_CHECK(r.status != Status::Ok || (std::isfinite(r.error) && r.ms >= 0), "version {} is ok but its error or time is not a number",
             r.name);
    m.versions.push_back(std::move(r));
  }
  return m;
}

}  // namespace hr::registry
