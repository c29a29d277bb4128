// The kernel registry's selection logic on the CPU: fake versions of a toy op (out = 2 * in)
// that compute real outputs, some of them wrong, and a fake clock that each run advances by the
// version's cost, so which version is fastest and which is correct are known exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/registry/kernel_registry.h"
#include "engine/registry/measure.h"
#include "support/files.h"

using namespace hr::registry;
using Catch::Contains;

namespace {

constexpr int kLen = 16;
const std::string kShape = "len16";

// One fake version: how it computes out[i] from in[i], and what a run costs on the fake clock.
struct Fake {
  std::string name;
  double tolerance;
  double cost_ms;
  float (*compute)(int i, float x);
  std::string unsupported = {};
  bool throws = false;
};

float exact(int, float x) { return 2 * x; }
float close(int, float x) { return 2 * x * (1 + 1e-6f); }
float wrong_index(int i, float x) { return i == 3 ? 0.0f : 2 * x; }  // one element lost
float nan_out(int i, float x) { return i == 5 ? std::numeric_limits<float>::quiet_NaN() : 2 * x; }

// The toy op and its fakes; counts what the registry asked for.
struct FakeOp {
  std::string name = "scale";
  std::vector<Fake> fakes;
  double clock = 0;
  int trials_built = 0;
  std::vector<int> runs, timed;  // per version

  explicit FakeOp(std::vector<Fake> f) : fakes(std::move(f)), runs(fakes.size()), timed(fakes.size()) {}

  OpInfo info() const {
    OpInfo op{name, {}};
    for (const Fake& f : fakes) op.versions.push_back({f.name, f.tolerance});
    return op;
  }

  Trial trial() {
    ++trials_built;
    auto in = std::make_shared<std::vector<float>>(kLen);
    for (int i = 0; i < kLen; ++i) (*in)[size_t(i)] = float(i) - 7.5f;
    auto outs = std::make_shared<std::vector<std::vector<float>>>(fakes.size(), std::vector<float>(kLen));
    Trial t;
    for (size_t v = 0; v < fakes.size(); ++v) {
      Candidate c;
      c.unsupported = fakes[v].unsupported;
      c.run = [this, v, in, outs] {
        ++runs[v];
        if (fakes[v].throws) throw hr::Error("launch failed: too many registers");
        clock += fakes[v].cost_ms;
        for (int i = 0; i < kLen; ++i) (*outs)[v][size_t(i)] = fakes[v].compute(i, (*in)[size_t(i)]);
      };
      c.error = [v, outs] { return max_normalized_error((*outs)[0], (*outs)[v]); };
      t.candidates.push_back(std::move(c));
    }
    // The timer does not know which version it times: it sees whose run count moved.
    t.time_ms = [this](const std::function<void()>& run) {
      const std::vector<int> before = runs;
      const double t0 = clock;
      run();
      for (size_t v = 0; v < runs.size(); ++v) timed[v] += runs[v] - before[v];
      return clock - t0;
    };
    return t;
  }

  std::function<Trial()> factory() {
    return [this] { return trial(); };
  }
};

struct Warnings {
  std::vector<std::string> lines;
  Warn sink() {
    return [this](const std::string& s) { lines.push_back(s); };
  }
};

RegistryOptions options(Warnings& w, std::string force = "", std::string cache = "",
                        std::string device = "FakeGPU A") {
  RegistryOptions o;
  o.device = std::move(device);
  o.cache_path = std::move(cache);
  o.force = std::move(force);
  o.warn = w.sink();
  return o;
}

// Baseline 3 ms; a correct version at 2 ms; a wrong one at 1 ms.
std::vector<Fake> three_versions() {
  return {{"lib", 0, 3.0, exact}, {"fast_ok", 1e-4, 2.0, close}, {"fastest_wrong", 1e-4, 1.0, wrong_index}};
}

nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(hr::test::read_text(p)); }

}  // namespace

TEST_CASE("max_normalized_error scales by the reference's largest magnitude", "[registry]") {
  const std::vector<float> ref = {1, -4, 2}, same = {1, -4, 2}, off = {1, -4, 2.4f};
  CHECK(max_normalized_error(ref, same) == 0);
  CHECK(max_normalized_error(ref, off) == Approx(0.1).epsilon(1e-5));
  const std::vector<float> inf = {1, std::numeric_limits<float>::infinity(), 2};
  CHECK(std::isnan(max_normalized_error(ref, inf)));
  CHECK_FALSE(within(std::numeric_limits<double>::quiet_NaN(), 1.0));
  const std::vector<float> zeros = {0, 0, 0}, tiny = {0, 1e-30f, 0};
  CHECK(max_normalized_error(zeros, zeros) == 0);
  CHECK_FALSE(within(max_normalized_error(zeros, tiny), 1e-2));
  CHECK_THROWS_WITH(max_normalized_error(ref, std::vector<float>{1, 2}), Contains("3 reference values but 2"));
}

TEST_CASE("the registry picks the fastest correct version and times only correct ones", "[registry]") {
  FakeOp op(three_versions());
  Warnings w;
  KernelRegistry reg({op.info()}, options(w));
  CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
  CHECK(op.trials_built == 1);
  CHECK(op.timed[0] == 1);
  CHECK(op.timed[1] == 1);
  CHECK(op.timed[2] == 0);  // wrong: run once for the check, never timed
  CHECK(op.runs[2] == 1);
  // One line naming op, shape, version and error.
  REQUIRE(w.lines.size() == 1);
  CHECK_THAT(w.lines[0], Contains("fastest_wrong") && Contains("scale") && Contains(kShape) &&
                             Contains("normalized error 6.0e-01") && Contains("not used"));
  CHECK(w.lines[0].find('\n') == std::string::npos);

  SECTION("the choice is remembered: a second call builds nothing") {
    CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
    CHECK(op.trials_built == 1);
    CHECK(w.lines.size() == 1);
  }
  SECTION("another shape is measured on its own") {
    reg.choose("scale", "len16 again", op.factory());
    CHECK(op.trials_built == 2);
  }
  SECTION("the baseline wins when it is fastest") {
    FakeOp slow({{"lib", 0, 1.0, exact}, {"fast_ok", 1e-4, 2.0, close}});
    KernelRegistry r2({slow.info()}, options(w));
    CHECK(r2.choose("scale", kShape, slow.factory()) == "lib");
  }
  SECTION("a tie goes to the earlier version") {
    FakeOp tie({{"lib", 0, 2.0, exact}, {"fast_ok", 1e-4, 2.0, close}});
    KernelRegistry r2({tie.info()}, options(w));
    CHECK(r2.choose("scale", kShape, tie.factory()) == "lib");
  }
}

TEST_CASE("versions that are wrong, produce NaN, throw or cannot run are never chosen", "[registry]") {
  FakeOp op({{"lib", 0, 5.0, exact},
             {"nan", 1e-2, 1.0, nan_out},
             {"throws", 1e-2, 1.0, exact, "", true},
             {"loose_wrong", 1e-2, 1.0, wrong_index},
             {"unsupported", 1e-2, 1.0, exact, "needs K odd"}});
  Warnings w;
  const OpInfo info = op.info();
  const Measurement m = measure(info, op.trial());
  REQUIRE(m.versions.size() == 5);
  CHECK(m.versions[0].status == Status::Ok);
  CHECK(m.versions[1].status == Status::Failed);
  CHECK(std::isnan(m.versions[1].error));
  CHECK(m.versions[2].status == Status::Failed);
  CHECK_THAT(m.versions[2].detail, Contains("too many registers"));
  CHECK(m.versions[3].status == Status::Failed);
  CHECK(m.versions[4].status == Status::Unsupported);
  CHECK(op.runs[4] == 0);
  CHECK(fastest(m, false) == 0);
  CHECK(fastest(m, true) == -1);

  KernelRegistry reg({info}, options(w));
  CHECK(reg.choose("scale", kShape, op.factory()) == "lib");
  REQUIRE(w.lines.size() == 3);  // the three failures; an unsupported shape is not a failure
  CHECK_THAT(w.lines[1], Contains("throws of scale on [len16] threw: launch failed"));

  SECTION("the version's own tolerance decides") {
    // close() is off by one float ulp of 15 relative to 15: 9.5e-7.
    FakeOp edge({{"lib", 0, 5.0, exact}, {"close", 1e-7, 1.0, close}});
    const Measurement tight = measure(edge.info(), edge.trial());
    CHECK(tight.versions[1].status == Status::Failed);
    CHECK(tight.versions[1].error == Approx(9.5e-7).epsilon(0.01));
    edge.fakes[1].tolerance = 1e-6;
    CHECK(measure(edge.info(), edge.trial()).versions[1].status == Status::Ok);
  }
  SECTION("a trial that does not match the op's versions is an error") {
    FakeOp two({{"lib", 0, 1.0, exact}, {"x", 1, 1.0, exact}});
    CHECK_THROWS_WITH(measure(info, two.trial()), Contains("5 versions") && Contains("built 2 candidates"));
  }
}

TEST_CASE("choices are written to the cache file and read back by a new registry", "[registry]") {
  hr::test::ScratchDir tmp("registry_cache");
  const std::string path = (tmp.path / "nested" / "dir" / "kernels.json").string();
  Warnings w;
  FakeOp op(three_versions());
  {
    KernelRegistry reg({op.info()}, options(w, "", path));
    CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
  }
  REQUIRE(std::filesystem::exists(path));
  const nlohmann::json doc = read_json(path);
  CHECK(doc["kind"] == "hrnet kernel cache");
  const std::string key = cache_key("FakeGPU A", "scale", kShape);
  CHECK(key == "FakeGPU A | registry 1 | scale | len16");
  REQUIRE(doc["entries"].contains(key));
  const nlohmann::json& e = doc["entries"][key];
  CHECK(e["chosen"] == "fast_ok");
  REQUIRE(e["versions"].size() == 3);
  CHECK(e["versions"][0]["ms"] == 3.0);
  CHECK(e["versions"][2]["status"] == "failed");
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(tmp.path / "nested" / "dir")) files += f.is_regular_file();
  CHECK(files == 1);

  // A new process (a new registry) reuses the entry: nothing is built, run or timed.
  FakeOp again(three_versions());
  KernelRegistry reg2({again.info()}, options(w, "", path));
  CHECK(reg2.choose("scale", kShape, again.factory()) == "fast_ok");
  CHECK(again.trials_built == 0);
  // The cached failure is still reported once in the new process.
  CHECK_THAT(w.lines.back(), Contains("fastest_wrong"));

  SECTION("the cached times decide: a cache saying the baseline is fastest is obeyed") {
    nlohmann::json edited = read_json(path);
    edited["entries"][key]["versions"][0]["ms"] = 0.5;
    std::ofstream(path) << edited.dump();
    KernelRegistry reg3({again.info()}, options(w, "", path));
    CHECK(reg3.choose("scale", kShape, again.factory()) == "lib");
    CHECK(again.trials_built == 0);
  }
  SECTION("an entry whose versions differ from the op's is measured again and replaced") {
    FakeOp more({{"lib", 0, 3.0, exact}, {"fast_ok", 1e-4, 2.0, close}, {"new_one", 1e-4, 0.5, exact}});
    KernelRegistry reg3({more.info()}, options(w, "", path));
    CHECK(reg3.choose("scale", kShape, more.factory()) == "new_one");
    CHECK(more.trials_built == 1);
    CHECK(read_json(path)["entries"][key]["versions"].size() == 3);
    CHECK(read_json(path)["entries"][key]["chosen"] == "new_one");
  }
  SECTION("entries written meanwhile by another process are kept") {
    FakeOp other(three_versions());
    KernelRegistry a({other.info()}, options(w, "", path));  // read the file before b writes
    KernelRegistry b({other.info()}, options(w, "", path));
    b.choose("scale", "shape from b", other.factory());
    a.choose("scale", "shape from a", other.factory());
    const nlohmann::json entries = read_json(path)["entries"];
    CHECK(entries.size() == 3);
    CHECK(entries.contains(cache_key("FakeGPU A", "scale", "shape from b")));
  }
}

TEST_CASE("a corrupt cache file is reported, ignored and overwritten", "[registry]") {
  hr::test::ScratchDir tmp("registry_corrupt");
  const std::string path = (tmp.path / "kernels.json").string();
  Warnings w;
  FakeOp op(three_versions());
  const auto run = [&](const std::string& content) {
    std::ofstream(path) << content;
    w.lines.clear();
    KernelRegistry reg({op.info()}, options(w, "", path));
    CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
  };
  SECTION("not JSON") {
    run("{\"kind\": \"hrnet kernel cache\", \"entries\": {");
    REQUIRE(w.lines.size() == 2);  // the file, then the failing version
    CHECK_THAT(w.lines[0], Contains(path) && Contains("is not valid JSON") && Contains("ignoring it"));
  }
  SECTION("JSON of another shape") {
    run("[1, 2, 3]");
    CHECK_THAT(w.lines[0], Contains(path) && Contains("is not a kernel cache"));
  }
  SECTION("a malformed entry") {
    const std::string key = cache_key("FakeGPU A", "scale", kShape);
    nlohmann::json version = {{"name", "lib"}, {"status", "fine"}};
    nlohmann::json doc = {{"kind", "hrnet kernel cache"}};
    doc["entries"][key]["versions"] = nlohmann::json::array();
    doc["entries"][key]["versions"].push_back(version);
    run(doc.dump());
    CHECK_THAT(w.lines[0], Contains("entry '" + key + "' is malformed") && Contains("unknown status 'fine'"));
  }
  CHECK(op.trials_built == 1);
  const nlohmann::json doc = read_json(path);
  CHECK(doc["entries"].size() == 1);
  CHECK(doc["entries"].begin().value()["chosen"] == "fast_ok");
}

TEST_CASE("the cache key includes the device name: another GPU measures again", "[registry]") {
  hr::test::ScratchDir tmp("registry_device");
  const std::string path = (tmp.path / "kernels.json").string();
  Warnings w;
  FakeOp op(three_versions());
  KernelRegistry a({op.info()}, options(w, "", path, "NVIDIA H100 80GB HBM3"));
  CHECK(a.choose("scale", kShape, op.factory()) == "fast_ok");
  op.fakes[0].cost_ms = 1.5;  // on the other GPU the baseline is fastest
  KernelRegistry b({op.info()}, options(w, "", path, "NVIDIA A100-SXM4-80GB"));
  CHECK(b.choose("scale", kShape, op.factory()) == "lib");
  CHECK(op.trials_built == 2);
  const nlohmann::json entries = read_json(path)["entries"];
  CHECK(entries.size() == 2);
  CHECK(entries.contains(cache_key("NVIDIA H100 80GB HBM3", "scale", kShape)));
  CHECK(entries.contains(cache_key("NVIDIA A100-SXM4-80GB", "scale", kShape)));
  // The first GPU's entry is untouched by the second.
  KernelRegistry a2({op.info()}, options(w, "", path, "NVIDIA H100 80GB HBM3"));
  CHECK(a2.choose("scale", kShape, op.factory()) == "fast_ok");
  CHECK(op.trials_built == 2);
}

TEST_CASE("HRNET_KERNELS forces versions, still checking them", "[registry]") {
  Warnings w;
  FakeOp op(three_versions());

  SECTION("forcing the baseline builds and runs nothing") {
    KernelRegistry reg({op.info()}, options(w, "lib"));
    CHECK(reg.choose("scale", kShape, op.factory()) == "lib");
    CHECK(op.trials_built == 0);
  }
  SECTION("a forced correct version is checked once, untimed, and used although slower") {
    op.fakes[0].cost_ms = 0.5;
    KernelRegistry reg({op.info()}, options(w, "scale=fast_ok"));
    CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
    CHECK(op.runs == std::vector<int>{1, 1, 0});
    CHECK(op.timed == std::vector<int>{0, 0, 0});
    CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
    CHECK(op.trials_built == 1);
  }
  SECTION("a forced wrong version is an error, not replaced") {
    KernelRegistry reg({op.info()}, options(w, "scale=fastest_wrong"));
    CHECK_THROWS_WITH(reg.choose("scale", kShape, op.factory()),
                      Contains("HRNET_KERNELS forces scale=fastest_wrong") && Contains("normalized error 6.0e-01") &&
                          Contains("never replaced"));
  }
  SECTION("native: the fastest correct version other than the baseline, even when the baseline is faster") {
    op.fakes[0].cost_ms = 0.5;
    KernelRegistry reg({op.info()}, options(w, "native"));
    CHECK(reg.choose("scale", kShape, op.factory()) == "fast_ok");
    CHECK(op.timed == std::vector<int>{1, 1, 0});  // a full measurement, as for auto
  }
  SECTION("native with no correct native version is an error listing why") {
    FakeOp bad({{"lib", 0, 3.0, exact}, {"wrong", 1e-4, 1.0, wrong_index}, {"odd", 1e-4, 1.0, exact, "needs K odd"}});
    KernelRegistry reg({bad.info()}, options(w, "native"));
    CHECK_THROWS_WITH(reg.choose("scale", kShape, bad.factory()),
                      Contains("forces scale=native") && Contains("wrong of scale") && Contains("needs K odd"));
  }
  SECTION("a forced version reuses a cached measurement instead of running") {
    hr::test::ScratchDir tmp("registry_force");
    const std::string path = (tmp.path / "k.json").string();
    KernelRegistry measure_all({op.info()}, options(w, "", path));
    measure_all.choose("scale", kShape, op.factory());
    KernelRegistry forced({op.info()}, options(w, "scale=fastest_wrong", path));
    CHECK_THROWS_WITH(forced.choose("scale", kShape, op.factory()), Contains("forces scale=fastest_wrong"));
    CHECK(op.trials_built == 1);
    // A forced check alone is not written to the file (it holds complete measurements only).
    KernelRegistry forced_other({op.info()}, options(w, "scale=fast_ok", path));
    forced_other.choose("scale", "unseen", op.factory());
    CHECK_FALSE(read_json(path)["entries"].contains(cache_key("FakeGPU A", "scale", "unseen")));
  }
}

TEST_CASE("HRNET_KERNELS syntax: defaults, per-op entries and unknown names", "[registry]") {
  const std::vector<OpInfo> ops = {{"conv_fwd", {{"cudnn", 0}, {"native_f32", 1e-4}, {"native_bf16", 1e-2}}},
                                   {"conv_dgrad", {{"cudnn", 0}, {"native_f32", 1e-4}}},
                                   {"bn", {{"ours", 0}}}};
  using K = Selection::Kind;
  const auto kinds = [&](const std::string& spec) {
    std::vector<std::string> out;
    for (const Selection& s : parse_forcing(spec, ops)) out.push_back(describe(s));
    return out;
  };
  CHECK(kinds("") == std::vector<std::string>{"auto", "auto", "auto"});
  CHECK(kinds("auto") == std::vector<std::string>{"auto", "auto", "auto"});
  CHECK(kinds("native") == std::vector<std::string>{"native", "native", "auto"});  // bn has nothing to force
  CHECK(kinds(" conv_fwd = native_bf16 , conv_dgrad=cudnn,") ==
        std::vector<std::string>{"native_bf16", "cudnn", "auto"});
  CHECK(kinds("conv_dgrad=native_f32,native") == std::vector<std::string>{"native", "native_f32", "auto"});
  CHECK(parse_forcing("conv_fwd=native", ops)[0].kind == K::Native);

  CHECK_THROWS_WITH(parse_forcing("conv_fw=cudnn", ops),
                    Contains("unknown op 'conv_fw'") && Contains("valid ops: conv_fwd, conv_dgrad, bn"));
  CHECK_THROWS_WITH(parse_forcing("conv_fwd=native_fp16", ops),
                    Contains("unknown version 'native_fp16' for op conv_fwd") &&
                        Contains("valid: cudnn, native_f32, native_bf16, auto, native"));
  CHECK_THROWS_WITH(parse_forcing("cudn", ops), Contains("unknown version 'cudn'"));
  // A bare version some ops lack: those stay automatic.
  const auto bare = parse_forcing("cudnn", ops);
  CHECK(bare[0].kind == K::Version);
  CHECK(bare[0].version == "cudnn");
  CHECK(bare[2].kind == K::Auto);
  CHECK_THROWS_WITH(parse_forcing("bn=native", ops), Contains("bn has no version besides its baseline ours"));
  CHECK_THROWS_WITH(parse_forcing("cudnn,native", ops), Contains("two defaults"));
  CHECK_THROWS_WITH(parse_forcing("conv_fwd=cudnn,conv_fwd=native_f32", ops), Contains("op conv_fwd is given twice"));

  // The registry refuses a bad flag when it is made, before anything runs; an unknown op at
  // choose() time is a programming error, also named.
  Warnings w;
  CHECK_THROWS_WITH(KernelRegistry(ops, options(w, "conv_fwd=fast")), Contains("unknown version 'fast'"));
  KernelRegistry reg(ops, options(w));
  CHECK_THROWS_WITH(reg.choose("conv_wgrad", kShape, [] { return Trial{}; }),
                    Contains("unknown op 'conv_wgrad'") && Contains("registered: conv_fwd, conv_dgrad, bn"));
}

TEST_CASE("options_from_env reads HRNET_KERNEL_CACHE, HOME and HRNET_KERNELS", "[registry]") {
  // Restores the variables it touches, so the other tests see the environment they started with.
  struct SavedEnv {
    std::string name;
    std::optional<std::string> value;
    explicit SavedEnv(std::string n) : name(std::move(n)) {
      if (const char* v = std::getenv(name.c_str())) value = v;
    }
    ~SavedEnv() {
      if (value)
        setenv(name.c_str(), value->c_str(), 1);
      else
        unsetenv(name.c_str());
    }
  };
  SavedEnv cache("HRNET_KERNEL_CACHE"), home("HOME"), force("HRNET_KERNELS");
  unsetenv("HRNET_KERNEL_CACHE");
  unsetenv("HRNET_KERNELS");
  setenv("HOME", "/home/someone", 1);
  RegistryOptions o = options_from_env("GPU");
  CHECK(o.device == "GPU");
  CHECK(o.cache_path == "/home/someone/.cache/hrnet/kernels.json");
  CHECK(o.force.empty());
  setenv("HRNET_KERNEL_CACHE", "/tmp/k.json", 1);
  setenv("HRNET_KERNELS", "cudnn", 1);
  o = options_from_env("GPU");
  CHECK(o.cache_path == "/tmp/k.json");
  CHECK(o.force == "cudnn");
  setenv("HRNET_KERNEL_CACHE", "", 1);
  CHECK(options_from_env("GPU").cache_path.empty());
  unsetenv("HRNET_KERNEL_CACHE");
  unsetenv("HOME");
  CHECK(options_from_env("GPU").cache_path.empty());
}
