// A Measurement as JSON, shared by the registry's cache file and `hrnet-bench kernels --json`:
//   [{"name": "cudnn", "status": "ok", "error": 0.0, "ms": 0.113},
//    {"name": "native_bf16", "status": "failed", "error": 0.31},
//    {"name": "native_f32", "status": "unsupported", "detail": "K must be odd"}]
// "error" is null for NaN (JSON has no NaN); "ms" for ok versions only, "detail" only when set.
#pragma once
#include <nlohmann/json.hpp>

#include "engine/registry/version.h"

namespace hr::registry {

nlohmann::json to_json(const Measurement& m);
// Throws nlohmann::json::exception or hr::Error on a malformed value.
Measurement measurement_from_json(const nlohmann::json& j);

}  // namespace hr::registry
