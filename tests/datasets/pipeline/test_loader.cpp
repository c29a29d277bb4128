#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <vector>

#include "datasets/pipeline/loader.h"
#include "engine/error.h"
#include "pipeline_fixture.h"

using hr::data::Batch;
using hr::data::DataLoader;
using hr::data::LoaderOptions;

namespace {

// Everything a batch holds, flattened for comparison.
struct Flat {
  std::vector<float> input, target, weight;
  std::vector<int64_t> index;
  std::vector<std::array<double, 2>> center;
  bool operator==(const Flat&) const = default;
};

std::vector<Flat> run_epoch(DataLoader& dl, int64_t epoch) {
  dl.start_epoch(epoch);
  std::vector<Flat> out;
  while (auto b = dl.next()) {
    Flat f;
    f.input = b->input.to_vector<float>();
    f.target = b->target.to_vector<float>();
    f.weight = b->target_weight.to_vector<float>();
    for (const auto& m : b->meta) {
      f.index.push_back(m.index);
      f.center.push_back(m.center);
    }
    out.push_back(std::move(f));
  }
  return out;
}

LoaderOptions loader_options(int workers, int batch = 3) {
  LoaderOptions o;
  o.batch_size = batch;
  o.shuffle = true;
  o.num_workers = workers;
  o.seed = 42;
  return o;
}

std::vector<hr::data::PoseRecord> records(size_t n) {
  const auto& all = hr::test::PipelineFixture::get().train;
  REQUIRE(all.size() >= n);
  return {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n)};
}

}  // namespace

TEST_CASE("loader: bit-identical batches with 1, 2 and 3 workers", "[pipeline]") {
  const auto recs = records(8);
  const auto so = hr::test::small_sample_options(true);
  DataLoader one(recs, so, loader_options(1));
  const auto ref = run_epoch(one, 3);
  REQUIRE(ref.size() == 3);  // 8 samples, batches of 3, 3 + 3 + 2
  CHECK(ref[2].index.size() == 2);
  for (int workers : {2, 3}) {
    DataLoader dl(recs, so, loader_options(workers));
    CHECK(dl.num_workers() == workers);
    CHECK(run_epoch(dl, 3) == ref);
  }
  // Nor does reusing a worker's last decoded image.
  auto nocache = loader_options(2);
  nocache.reuse_last_image = false;
  DataLoader fresh(recs, so, nocache);
  CHECK(run_epoch(fresh, 3) == ref);
  // Prefetch depth does not matter either.
  auto o = loader_options(3);
  o.prefetch = 1;
  DataLoader shallow(recs, so, o);
  CHECK(run_epoch(shallow, 3) == ref);
  // Batch shapes.
  shallow.start_epoch(0);
  const auto b = shallow.next();
  REQUIRE(b);
  CHECK(b->input.shape() == hr::Shape{3, 64, 48, 3});
  CHECK(b->target.shape() == hr::Shape{3, 16, 12, 17});
  CHECK(b->target_weight.shape() == hr::Shape{3, 17});
  CHECK(b->index == 0);
}

TEST_CASE("loader: epochs shuffle differently and cover the dataset", "[pipeline]") {
  const auto recs = records(8);
  DataLoader dl(recs, hr::test::small_sample_options(true), loader_options(2));
  std::vector<std::vector<int64_t>> orders;
  for (int64_t e : {0, 1, 0}) {
    std::vector<int64_t> order;
    for (const auto& f : run_epoch(dl, e))
      order.insert(order.end(), f.index.begin(), f.index.end());
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
    orders.push_back(order);
  }
  CHECK(orders[0] != orders[1]);
  CHECK(orders[0] == orders[2]);
  // Without shuffle: dataset order.
  auto o = loader_options(2);
  o.shuffle = false;
  CHECK(hr::data::epoch_order(5, 1, 2, false) == std::vector<int64_t>{0, 1, 2, 3, 4});
  DataLoader plain(recs, hr::test::small_sample_options(false), o);
  const auto f = run_epoch(plain, 4);
  CHECK(f[0].index == std::vector<int64_t>{0, 1, 2});
  CHECK(f[2].index == std::vector<int64_t>{6, 7});
  // Consecutive records of one image reuse a worker's decode: the same batches.
  o.reuse_last_image = false;
  DataLoader fresh(recs, hr::test::small_sample_options(false), o);
  CHECK(run_epoch(fresh, 4) == f);
}

TEST_CASE("loader: drop_last", "[pipeline]") {
  const auto recs = records(8);
  auto o = loader_options(2);
  o.drop_last = true;
  DataLoader dl(recs, hr::test::small_sample_options(false), o);
  CHECK(dl.num_batches() == 2);
  const auto f = run_epoch(dl, 0);
  REQUIRE(f.size() == 2);
  CHECK(f[0].index.size() == 3);
  CHECK(f[1].index.size() == 3);
  o.drop_last = false;
  o.batch_size = 4;
  DataLoader even(recs, hr::test::small_sample_options(false), o);
  CHECK(even.num_batches() == 2);
  CHECK(run_epoch(even, 0).size() == 2);
  // Before start_epoch and after the end: nothing.
  DataLoader idle(recs, hr::test::small_sample_options(false), o);
  CHECK_FALSE(idle.next());
}

TEST_CASE("loader: a missing image is an error naming the file and the index", "[pipeline]") {
  auto recs = records(6);
  recs[4].image = recs[4].image + ".missing.png";
  auto o = loader_options(2, 2);
  o.shuffle = false;
  DataLoader dl(recs, hr::test::small_sample_options(true), o);
  dl.start_epoch(0);
  CHECK(dl.next());
  CHECK(dl.next());
  try {
    dl.next();
    FAIL("no error");
  } catch (const hr::Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains(".missing.png"));
    CHECK_THAT(msg, Catch::Contains("dataset index 4"));
  }
  CHECK_FALSE(dl.next());  // that was the last batch
  CHECK(dl.skipped() == 0);
}

TEST_CASE("loader: skip_bad replaces a bad sample by the next one in order and counts",
          "[pipeline]") {
  auto recs = records(6);
  recs[1].image = recs[1].image + ".missing.png";
  recs[2].image = recs[2].image + ".missing.png";
  auto o = loader_options(3, 4);
  o.shuffle = false;
  o.skip_bad = true;
  const auto so = hr::test::small_sample_options(true);
  DataLoader dl(recs, so, o);
  dl.start_epoch(1);
  auto b0 = dl.next();
  REQUIRE(b0);
  std::vector<int64_t> idx;
  for (const auto& m : b0->meta) idx.push_back(m.index);
  CHECK(idx == std::vector<int64_t>{0, 3, 3, 3});  // positions 1 and 2 -> first good after them
  CHECK(b0->skipped == 2);
  CHECK(dl.skipped() == 2);
  // The replacement is built exactly as sample 3 itself (its own augmentation seed).
  const auto in = b0->input.to_vector<float>();
  const size_t per = so.input_floats();
  CHECK(std::equal(in.begin() + per, in.begin() + 2 * per, in.begin() + 3 * per));
  auto b1 = dl.next();
  REQUIRE(b1);
  CHECK(b1->size() == 2);
  CHECK_FALSE(dl.next());
  CHECK(dl.skipped() == 2);
  // Nothing loads at all: an error even with skip_bad.
  for (auto& r : recs) r.image += ".missing.png";
  DataLoader none(recs, so, o);
  none.start_epoch(0);
  CHECK_THROWS_WITH(none.next(), Catch::Contains("no sample"));
}

TEST_CASE("loader: destroyed mid-epoch and restarted epochs shut down cleanly", "[pipeline]") {
  const auto recs = records(8);
  {
    DataLoader dl(recs, hr::test::small_sample_options(true), loader_options(3, 2));
    dl.start_epoch(0);
    CHECK(dl.next());
    dl.start_epoch(1);  // drops the rest of epoch 0
    int n = 0;
    while (dl.next()) ++n;
    CHECK(n == 4);
    dl.start_epoch(2);
  }  // workers still busy: the destructor joins them
  SUCCEED();
}
