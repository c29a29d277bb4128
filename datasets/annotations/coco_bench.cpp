#include "datasets/annotations/coco_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "datasets/annotations/coco.h"
#include "engine/error.h"

namespace hr::data {

namespace {

double status_mb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(k, 0) == 0) return std::stod(line.substr(k.size())) / 1024.0;  // kB -> MB
  }
  return -1;
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// Writes the synthetic annotation file; returns its size.
size_t write_synthetic(const std::string& path, size_t target, size_t& n_images, size_t& n_anns) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  HR_CHECK(f != nullptr, "{}: cannot create benchmark file", path);
  std::mt19937 rng(1234);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  n_images = std::max<size_t>(1, target / 2030);
  n_anns = n_images * 22 / 10;
  // Budget left for segmentation polygons (~7 bytes per coordinate).
  const double fixed = 250.0 * n_images + 300.0 * n_anns;
  const int coords = std::max(4, static_cast<int>((static_cast<double>(target) - fixed) /
                                                  std::max<size_t>(1, n_anns) / 7.0) &
                                      ~1);
  std::string buf;
  buf.reserve(9 << 20);
  size_t written = 0;
  auto flush = [&](bool force) {
    if (force || buf.size() > (8 << 20)) {
      written += std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  };
  buf += R"({"info":{"description":"synthetic COCO","version":"1.0","year":2017},)";
  buf += R"("licenses":[{"url":"http://example.org","id":1,"name":"synthetic"}],"images":[)";
  for (size_t i = 0; i < n_images; ++i) {
    const int64_t id = static_cast<int64_t>(i) * 7 + 9;
    fmt::format_to(std::back_inserter(buf),
                   R"({}{{"license":{},"file_name":"{:012d}.jpg","coco_url":"http://images.cocodataset.org/train2017/{:012d}.jpg","height":{},"width":{},"date_captured":"2013-11-14 16:28:13","flickr_url":"http://farm4.staticflickr.com/1/{}_abcdef0123_z.jpg","id":{}}})",
                   i ? "," : "", uni(1, 8), id, id, uni(240, 640), uni(320, 640), id, id);
    flush(false);
  }
  buf += R"(],"annotations":[)";
  for (size_t a = 0; a < n_anns; ++a) {
    const int64_t image_id = static_cast<int64_t>(uni(0, static_cast<int>(n_images) - 1)) * 7 + 9;
    const bool crowd = uni(0, 99) < 3;
    const bool empty = !crowd && uni(0, 99) < 10;
    buf += a ? "," : "";
    buf += R"({"segmentation":)";
    if (crowd) {
      buf += R"({"counts":[)";
      for (int k = 0; k < coords; ++k) fmt::format_to(std::back_inserter(buf), "{}{}", k ? "," : "", uni(0, 900));
      buf += R"(],"size":[480,640]})";
    } else {
      buf += "[[";
      for (int k = 0; k < coords; ++k)
        fmt::format_to(std::back_inserter(buf), "{}{}.{:02d}", k ? "," : "", uni(0, 639), uni(0, 99));
      buf += "]]";
    }
    const int x = uni(0, 400), y = uni(0, 300), w = uni(10, 200), h = uni(20, 300);
    fmt::format_to(std::back_inserter(buf), R"(,"num_keypoints":{},"area":{}.{:04d},"iscrowd":{},"keypoints":[)",
                   empty ? 0 : 17, w * h / 2, uni(0, 9999), crowd ? 1 : 0);
    for (int j = 0; j < 17; ++j) {
      if (empty || crowd) {
        buf += j ? ",0,0,0" : "0,0,0";
      } else {
        fmt::format_to(std::back_inserter(buf), "{}{},{},{}", j ? "," : "", x + uni(0, w),
                       y + uni(0, h), uni(0, 2));
      }
    }
    fmt::format_to(std::back_inserter(buf),
                   R"(],"image_id":{},"bbox":[{}.{:02d},{}.{:02d},{}.{:02d},{}.{:02d}],"category_id":1,"id":{}}})",
                   image_id, x, uni(0, 99), y, uni(0, 99), w, uni(0, 99), h, uni(0, 99), 100000 + a);
    flush(false);
  }
  buf += R"(],"categories":[{"supercategory":"person","id":1,"name":"person","keypoints":["nose","left_eye","right_eye","left_ear","right_ear","left_shoulder","right_shoulder","left_elbow","right_elbow","left_wrist","right_wrist","left_hip","right_hip","left_knee","right_knee","left_ankle","right_ankle"],"skeleton":[[16,14],[14,12],[17,15],[15,13],[12,13],[6,12],[7,13],[6,7],[6,8],[7,9],[8,10],[9,11],[2,3],[1,2],[1,3],[2,4],[3,5],[4,6],[5,7]]}]})";
  flush(true);
  std::fclose(f);
  return written;
}

}  // namespace

CocoBenchResult bench_coco_parse(size_t target_bytes) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("hrnet_coco_bench_{}", ::getpid());
  fs::create_directories(dir);
  const std::string path = (dir / "person_keypoints_synthetic.json").string();
  CocoBenchResult r;
  try {
    const auto g0 = std::chrono::steady_clock::now();
    size_t n_images = 0, n_anns = 0;
    const size_t bytes = write_synthetic(path, target_bytes, n_images, n_anns);
    const double gen_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
    r.file_mb = static_cast<double>(bytes) / 1e6;
    fmt::print("coco parse bench: generated {:.1f} MB ({} images, {} annotations) in {:.1f} s\n",
               r.file_mb, n_images, n_anns, gen_s);
    const double rss_before = status_mb("VmRSS");
    r.peak_reset = reset_peak_rss();
    const auto t0 = std::chrono::steady_clock::now();
    CocoSet set = load_coco_keypoints(path, (dir / "images").string(), {192, 256});
    r.parse_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.mb_per_s = r.file_mb / r.parse_s;
    r.peak_rss_mb = status_mb("VmHWM");
    r.images = set.images.list.size();
    r.annotations = set.num_annotations;
    r.records = set.db.size();
    fmt::print(
        "coco parse bench: {:.2f} s, {:.0f} MB/s, {} images, {} annotations, {} kept records; "
        "RSS before {:.0f} MB, peak RSS {:.0f} MB{}\n",
        r.parse_s, r.mb_per_s, r.images, r.annotations, r.records, rss_before, r.peak_rss_mb,
        r.peak_reset ? " (VmHWM reset before the parse)" : " (VmHWM of the whole process)");
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

}  // namespace hr::data
