#include "postprocess_fixtures.h"

#include <fstream>
#include <map>
#include <mutex>

#include "engine/error.h"
#include "engine/io/safetensors.h"

namespace hr::test::post {

namespace {

const std::string kDir = HRNET_POSTPROCESS_FIXTURES_DIR;

const io::NamedTensors& decode_file() {
  static const io::NamedTensors t = io::read_safetensors(kDir + "/decode.safetensors").tensors;
  return t;
}

const Tensor* find(const std::string& name) {
  for (const auto& nt : decode_file())
    if (nt.name == name) return &nt.tensor;
  return nullptr;
}

const Tensor& get(const std::string& name) {
  const Tensor* t = find(name);
  HR_CHECK(t != nullptr, "decode.safetensors has no tensor '{}'", name);
  return *t;
}

std::vector<std::array<double, 2>> pairs_of(const Tensor& t) {
  const std::vector<double> v = t.to_vector<double>();
  std::vector<std::array<double, 2>> out(v.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) out[i] = {v[2 * i], v[2 * i + 1]};
  return out;
}

DecodeCase load_case(const std::string& name) {
  const std::string p = name + "/";
  DecodeCase c;
  c.name = name;
  const Tensor& hm = get(p + "heatmaps");
  c.shape = {static_cast<int>(hm.size(0)), static_cast<int>(hm.size(1)),
             static_cast<int>(hm.size(2)), static_cast<int>(hm.size(3))};
  c.heatmaps = hm.to_vector<float>();
  c.centers = pairs_of(get(p + "center"));
  c.scales = pairs_of(get(p + "scale"));
  c.max_coords = get(p + "max_coords").to_vector<float>();
  c.maxvals = get(p + "maxvals").to_vector<float>();
  c.hm_default = get(p + "hm_default").to_vector<float>();
  c.hm_dark = get(p + "hm_dark").to_vector<float>();
  c.final_none = get(p + "final_none").to_vector<float>();
  c.final_default = get(p + "final_default").to_vector<float>();
  c.final_dark = get(p + "final_dark").to_vector<float>();
  if (find(p + "flip_pairs")) {
    const std::vector<int64_t> fp = get(p + "flip_pairs").to_vector<int64_t>();
    for (size_t i = 0; i + 1 < fp.size(); i += 2)
      c.flip_pairs.emplace_back(static_cast<int>(fp[i]), static_cast<int>(fp[i + 1]));
    c.flipped = get(p + "flipped").to_vector<float>();
    c.flip_merged = get(p + "flip_merged").to_vector<float>();
    if (find(p + "flip_back")) c.flip_back = get(p + "flip_back").to_vector<float>();
  }
  return c;
}

}  // namespace

const DecodeCase& decode_case(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, DecodeCase> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_case(name)).first;
  return it->second;
}

const nlohmann::json& nms_fixture() {
  static const nlohmann::json j = [] {
    std::ifstream f(kDir + "/nms.json");
    HR_CHECK(f.good(), "cannot open {}/nms.json", kDir);
    return nlohmann::json::parse(f);
  }();
  return j;
}

std::vector<data::post::PoseInstance> nms_instances() {
  std::vector<data::post::PoseInstance> out;
  for (const auto& o : nms_fixture()["instances"]) {
    data::post::PoseInstance p;
    const std::vector<double> kp = o["keypoints"].get<std::vector<double>>();
    for (size_t j = 0; j + 2 < kp.size(); j += 3)
      p.keypoints.push_back({static_cast<float>(kp[j]), static_cast<float>(kp[j + 1]),
                             static_cast<float>(kp[j + 2])});
    p.center = {o["center"][0].get<double>(), o["center"][1].get<double>()};
    p.scale = {o["scale"][0].get<double>(), o["scale"][1].get<double>()};
    p.area = o["area"].get<double>();
    p.score = o["score"].get<double>();
    p.image_id = o["image_id"].get<int64_t>();
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace hr::test::post
