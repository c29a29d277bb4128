// PyTorch .pth files written by torch.save (tests/reference/make_pth_fixtures.py): contents,
// the state-dict rule, prefix stripping, and files broken on purpose.
#include <catch2/catch.hpp>
#include <cstring>

#include "engine/io/pth.h"
#include "io/io_test_support.h"

using namespace hr;
using namespace hr::io;
using hr::test::error_of;
using hr::test::io_fixture;

namespace {

PthContents load(const std::string& name, const StateDictOptions& options = {}) {
  return read_pth(io_fixture(name).string(), options);
}

std::string load_error(const std::string& name, const StateDictOptions& options = {}) {
  return error_of([&] { load(name, options); });
}

void check_against_expected(const PthContents& got, const std::string& key) {
  const auto& e = hr::test::io_expected()[key];
  INFO("fixture " << key);
  CHECK(got.state_dict_key == e["state_dict_key"].get<std::string>());
  CHECK(got.stripped_module_prefix == e["stripped_module_prefix"].get<bool>());
  CHECK(got.notes.size() == e["notes"].get<size_t>());
  hr::test::check_tensors(got.tensors, e["tensors"]);
}

}  // namespace

TEST_CASE("pth: every good fixture loads exactly as PyTorch saved it", "[io][pth]") {
  for (const std::string name : {"state_dict_f32.pth", "mixed_dtypes.pth", "views.pth",
                                 "module_prefix.pth", "checkpoint.pth", "best_only.pth",
                                 "deflated.pth", "big_endian.pth", "zip64.pth"}) {
    const PthContents got = load(name);
    CHECK(got.format == PthFormat::zip);
    check_against_expected(got, name);
  }
  const PthContents legacy = load("legacy.pth");
  CHECK(legacy.format == PthFormat::legacy);
  check_against_expected(legacy, "legacy.pth");
}

TEST_CASE("pth: 0-D num_batches_tracked and views", "[io][pth]") {
  const PthContents sd = load("state_dict_f32.pth");
  const auto& nbt = sd.tensors[5];
  CHECK(nbt.name == "bn1.num_batches_tracked");
  CHECK(nbt.tensor.ndim() == 0);
  CHECK(nbt.tensor.dtype() == DType::i64);
  CHECK(nbt.tensor.data<int64_t>()[0] == 12345678901 + 5);

  // views.pth: 'transposed' is matrix.t(), so element (i, j) is matrix (j, i).
  const PthContents v = load("views.pth");
  const float* m = v.tensors[0].tensor.data<float>();
  const float* t = v.tensors[1].tensor.data<float>();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) CHECK(t[i * 2 + j] == m[j * 3 + i]);
}

TEST_CASE("pth: non-tensor entries are skipped with a note", "[io][pth]") {
  const PthContents got = load("mixed_dtypes.pth");
  REQUIRE(got.notes.size() == 2);
  CHECK_THAT(got.notes[0], Catch::Contains("'epoch_count'") && Catch::Contains("int 3"));
  CHECK_THAT(got.notes[1], Catch::Contains("'comment'"));
}

TEST_CASE("pth: the state-dict rule for checkpoint dicts", "[io][pth]") {
  // checkpoint.pth holds both: 'state_dict' (module.-prefixed) wins by default.
  check_against_expected(load("checkpoint.pth"), "checkpoint.pth");

  StateDictOptions best;
  best.state_dict_key = "best_state_dict";
  check_against_expected(load("checkpoint.pth", best), "checkpoint.pth#best_state_dict");

  StateDictOptions model;
  model.state_dict_key = "model";
  check_against_expected(load("model_key.pth", model), "model_key.pth#model");
  // Without the key, no rule applies: the error lists the keys and says how to choose.
  CHECK_THAT(load_error("model_key.pth"),
             Catch::Contains("model_key.pth") && Catch::Contains("'epoch', 'model'") &&
                 Catch::Contains("state_dict_key"));

  StateDictOptions missing;
  missing.state_dict_key = "ema";
  CHECK_THAT(load_error("checkpoint.pth", missing),
             Catch::Contains("no top-level entry 'ema'") && Catch::Contains("'best_state_dict'"));
  StateDictOptions not_dict;
  not_dict.state_dict_key = "model";
  CHECK_THAT(load_error("checkpoint.pth", not_dict), Catch::Contains("str 'pose_hrnet', not a dict"));
}

TEST_CASE("pth: the module. prefix is stripped only when asked and only when universal", "[io][pth]") {
  StateDictOptions keep;
  keep.strip_module_prefix = false;
  const PthContents kept = load("module_prefix.pth", keep);
  CHECK_FALSE(kept.stripped_module_prefix);
  CHECK(kept.tensors[0].name == "module.conv1.weight");

  NamedTensors mixed{{"module.a", Tensor::zeros({1})}, {"b", Tensor::zeros({1})}};
  CHECK_FALSE(strip_common_prefix(mixed));
  CHECK(mixed[0].name == "module.a");
  NamedTensors all{{"module.a", Tensor::zeros({1})}, {"module.b.c", Tensor::zeros({1})}};
  CHECK(strip_common_prefix(all));
  CHECK(all[1].name == "b.c");
  NamedTensors none;
  CHECK_FALSE(strip_common_prefix(none));
}

TEST_CASE("pth: broken files give errors naming the file and the fault", "[io][pth]") {
  CHECK_THAT(load_error("five_dims.pth"),
             Catch::Contains("five_dims.pth") && Catch::Contains("tensor 'w' has 5 dimensions"));
  CHECK_THAT(load_error("complex.pth"),
             Catch::Contains("tensor 'z'") && Catch::Contains("unsupported dtype") &&
                 Catch::Contains("ComplexFloatStorage"));
  CHECK_THAT(load_error("offset_out_of_range.pth"),
             Catch::Contains("tensor 'w'") && Catch::Contains("storage offset 4") &&
                 Catch::Contains("reaches element 7") && Catch::Contains("has 6"));
  CHECK_THAT(load_error("stride_out_of_range.pth"),
             Catch::Contains("tensor 'w'") && Catch::Contains("reaches element 6"));
  CHECK_THAT(load_error("missing_storage.pth"),
             Catch::Contains("tensor 'bn1.weight'") &&
                 Catch::Contains("storage member 'state_dict_f32/data/1' is missing"));
  CHECK_THAT(load_error("bad_opcode.pth"),
             Catch::Contains("bad_opcode.pth: pickle: unknown opcode") && Catch::Contains("0xff"));
  CHECK_THAT(load_error("no_data_pkl.pth"), Catch::Contains("no <folder>/data.pkl"));
  CHECK_THAT(load_error("list_top_level.pth"), Catch::Contains("list of 1, not a dict"));
}

TEST_CASE("pth: corrupted bytes give errors", "[io][pth]") {
  const auto good = hr::test::read_bytes(io_fixture("state_dict_f32.pth"));
  const PthContents ok = parse_pth(good, "mem.pth");
  CHECK(ok.tensors.size() == 8);

  SECTION("a flipped data byte fails the CRC") {
    auto bad = good;
    const std::string needle = "state_dict_f32/data/0";
    // The first occurrence is the local header; the data follows its (padded) extra field.
    auto it = std::search(bad.begin(), bad.end(), needle.begin(), needle.end());
    REQUIRE(it != bad.end());
    const size_t name_at = static_cast<size_t>(it - bad.begin());
    uint16_t extra = 0;
    std::memcpy(&extra, &bad[name_at - 2], 2);
    bad[name_at + needle.size() + extra] ^= 0x40;
    CHECK_THAT(error_of([&] { parse_pth(bad, "mem.pth"); }), Catch::Contains("CRC-32 mismatch"));
  }
  SECTION("an unknown top-level format") {
    const std::vector<uint8_t> junk = {'h', 'e', 'l', 'l', 'o'};
    CHECK_THAT(error_of([&] { parse_pth(junk, "mem.pth"); }), Catch::Contains("not a PyTorch checkpoint"));
  }
  SECTION("a pickle without torch's magic number") {
    const std::vector<uint8_t> plain = {0x80, 2, '}', '.'};
    CHECK_THAT(error_of([&] { parse_pth(plain, "mem.pth"); }), Catch::Contains("not torch's magic number"));
  }
  SECTION("the old tar format") {
    std::vector<uint8_t> tar(1024, 0);
    std::memcpy(tar.data() + 257, "ustar", 5);
    CHECK_THAT(error_of([&] { parse_pth(tar, "old.pth"); }), Catch::Contains("tar-based"));
  }
}

TEST_CASE("pth: files cut at any length give errors, never crashes", "[io][pth]") {
  for (const std::string name : {"state_dict_f32.pth", "legacy.pth", "checkpoint.pth", "zip64.pth"}) {
    const auto full = hr::test::read_bytes(io_fixture(name));
    int thrown = 0, tried = 0;
    // Every length near the ends (headers, end records) and a stride through the middle.
    for (size_t n = 0; n < full.size(); n += (n < 64 || n + 64 > full.size()) ? 1 : 5) {
      const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      ++tried;
      try {
        parse_pth(cut, name);
      } catch (const hr::Error&) {
        ++thrown;
      }
    }
    INFO(name);
    CHECK(thrown == tried);
  }
}

TEST_CASE("pth: flipped bytes anywhere give a result or an error, never a crash", "[io][pth]") {
  // Every 2nd byte of the small legacy file (no CRC: corruption reaches the pickle and the
  // storage sections), every 11th of the zip checkpoint.
  for (const auto& [name, step] : {std::pair<std::string, size_t>{"legacy.pth", 2}, {"checkpoint.pth", 11}}) {
    const auto full = hr::test::read_bytes(io_fixture(name));
    for (size_t pos = 0; pos < full.size(); pos += step) {
      auto bad = full;
      bad[pos] ^= static_cast<uint8_t>(0x5a + pos);
      try {
        parse_pth(bad, name);
      } catch (const hr::Error&) {
      }
    }
  }
  SUCCEED();
}
