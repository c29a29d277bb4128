#include "datasets/eval/coco/coco_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "datasets/eval/coco/json_cursor.h"
#include "datasets/eval/coco/json_fields.h"
#include "engine/error.h"
#include "engine/io/file.h"

namespace hr::data::cocoeval {

using detail::JsonCursor;
using detail::JsonType;
using detail::Where;

namespace {

// One result object at the cursor; `i` is its index in the file (for messages and the
// results[0] rule).
KeypointResult parse_result(JsonCursor& c, size_t i, std::string& key, std::vector<double>& nums) {
  const std::string& name = c.file();
  const Where w{"results", i};
  if (c.peek() != JsonType::Object) fail("{}: results[{}] is not an object", name, i);
  c.begin_object();
  KeypointResult r;
  bool has_image = false, has_cat = false, has_score = false, has_kpts = false;
  bool first_member = true;
  while (c.next_member(first_member, key)) {
    if (key == "image_id") {
      r.image_id = detail::read_id(c, w, "image_id"), has_image = true;
    } else if (key == "category_id") {
      r.category_id = detail::read_id(c, w, "category_id"), has_cat = true;
    } else if (key == "score") {
      r.score = detail::read_number(c, w, "score"), has_score = true;
    } else if (key == "keypoints") {
      detail::read_numbers(c, w, "keypoints", kKeypointValues, nums);
      std::copy(nums.begin(), nums.end(), r.keypoints.begin());
      has_kpts = true;
    } else if (key == "bbox") {
      detail::read_numbers(c, w, "bbox", -1, nums);
      r.has_bbox = !nums.empty();
      if (r.has_bbox) {
        if (nums.size() != 4) detail::fail_field(c, w, "bbox", fmt::format("has {} numbers, expected 4", nums.size()));
        std::copy(nums.begin(), nums.end(), r.bbox.begin());
      }
    } else if (i == 0 && (key == "caption" || key == "segmentation")) {
      // loadRes would treat the whole file as caption or mask results.
      fail("{}: results[0] has \"{}\": only keypoint results can be evaluated", name, key);
    } else {
      c.skip_value();
    }
  }
  if (!has_image) fail("{}: results[{}] has no \"image_id\"", name, i);
  if (!has_cat) fail("{}: results[{}] has no \"category_id\"", name, i);
  if (!has_score) fail("{}: results[{}] has no \"score\"", name, i);
  if (!has_kpts) fail("{}: results[{}] has no \"keypoints\"", name, i);
  return r;
}

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// A guess, past the middle of the text, of where a top-level result starts: a '{' preceded
// (over whitespace) by ',' and '}'. It is only a guess (such bytes may sit inside a string);
// parse_results checks it before trusting the second half parsed from there.
size_t guess_split(std::string_view text) {
  for (size_t pos = text.find('{', text.size() / 2); pos != std::string_view::npos; pos = text.find('{', pos + 1)) {
    size_t b = pos;
    while (b > 0 && is_ws(text[b - 1])) --b;
    if (b == 0 || text[b - 1] != ',') continue;
    --b;
    while (b > 0 && is_ws(text[b - 1])) --b;
    if (b > 0 && text[b - 1] == '}') return pos;
  }
  return std::string_view::npos;
}

// Joins a thread on every way out of a scope.
struct Joiner {
  std::thread t;
  ~Joiner() {
    if (t.joinable()) t.join();
  }
};

}  // namespace

std::vector<KeypointResult> parse_results(std::string_view text, const std::string& name) {
  JsonCursor c(text, name);
  // loadRes asserts a list ("results in not an array of objects").
  if (c.peek() != JsonType::Array) fail("{}: the top level is not a JSON array of results", name);
  std::vector<KeypointResult> out;
  out.reserve(text.size() / 600 + 16);  // ~600 bytes per result: one allocation for most files
  c.begin_array();

  // Large files are parsed in two halves at once: a second thread parses from a guessed
  // element start to the end, while this one parses from the beginning. If this one then
  // meets an element starting exactly at the guess, the guess was a true boundary and the
  // second half is taken as is; otherwise (or if the second half failed) this thread simply
  // carries on, so results and error messages are those of a sequential parse.
  size_t split = text.size() >= (size_t(4) << 20) ? guess_split(text) : std::string_view::npos;
  std::vector<KeypointResult> tail;
  bool tail_ok = false;
  Joiner worker;
  if (split != std::string_view::npos) {
    worker.t = std::thread([&, split] {
      try {
        JsonCursor t(text, name);
        t.seek(split);
        std::string key;
        std::vector<double> nums;
        bool first = false;
        size_t j = 1;  // any non-zero index: the results[0] rule cannot apply here
        tail.push_back(parse_result(t, j++, key, nums));
        while (t.next_element(first)) tail.push_back(parse_result(t, j++, key, nums));
        t.expect_end();
        tail_ok = true;
      } catch (...) {
        // Re-parsed sequentially by the first thread, which reports the error with its index.
      }
    });
  }

  bool first = true;
  std::string key;
  std::vector<double> nums;
  for (size_t i = 0; c.next_element(first); ++i) {
    if (split != std::string_view::npos && c.pos() >= split) {
      worker.t.join();
      if (c.pos() == split && tail_ok) {
        out.insert(out.end(), tail.begin(), tail.end());
        return out;
      }
      split = std::string_view::npos;
    }
    out.push_back(parse_result(c, i, key, nums));
  }
  c.expect_end();
  return out;
}

std::vector<KeypointResult> read_results(const std::string& path) {
  const io::MappedFile file(path);
  const auto bytes = file.bytes();
  return parse_results(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

std::vector<Detection> prepare_results(const std::vector<KeypointResult>& results, const GroundTruth& gt,
                                       const std::string& source) {
  std::vector<Detection> out(results.size());
  const bool bbox_branch = !results.empty() && results[0].has_bbox;
  for (size_t i = 0; i < results.size(); ++i) {
    const KeypointResult& r = results[i];
    HR_CHECK(gt.has_image(r.image_id), "{}: results[{}].image_id {} is not an image of {}", source, i, r.image_id,
             gt.file);
    Detection& d = out[i];
    d.id = static_cast<int64_t>(i) + 1;
    d.image_id = r.image_id;
    d.category_id = r.category_id;
    d.score = r.score;
    d.keypoints = r.keypoints;
    if (bbox_branch) {
      HR_CHECK(r.has_bbox, "{}: results[{}] has no \"bbox\" but results[0] has one (all or none)", source, i);
      d.bbox = r.bbox;
      d.area = r.bbox[2] * r.bbox[3];
    } else {
      // np.min / np.max over all 17 x and y values.
      double x0 = r.keypoints[0], x1 = x0, y0 = r.keypoints[1], y1 = y0;
      for (int k = 1; k < kNumKeypoints; ++k) {
        const double x = r.keypoints[3 * k], y = r.keypoints[3 * k + 1];
        x0 = std::min(x0, x), x1 = std::max(x1, x);
        y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
      d.area = (x1 - x0) * (y1 - y0);
      d.bbox = {x0, y0, x1 - x0, y1 - y0};
    }
  }
  return out;
}

std::vector<Detection> load_results(const std::string& path, const GroundTruth& gt) {
  return prepare_results(read_results(path), gt, path);
}

namespace {
// Shortest text that reads back to the same double; Python's tokens for the non-finite.
void put_number(std::string& s, double v) {
  if (std::isnan(v)) s += "NaN";
  else if (std::isinf(v)) s += v > 0 ? "Infinity" : "-Infinity";
  else fmt::format_to(std::back_inserter(s), "{}", v);
}
}  // namespace

void write_results(const std::string& path, const std::vector<KeypointResult>& results) {
  std::string s = "[";
  for (size_t i = 0; i < results.size(); ++i) {
    const KeypointResult& r = results[i];
    fmt::format_to(std::back_inserter(s), "{}{{\"image_id\": {}, \"category_id\": {}, \"keypoints\": [",
                   i ? ",\n" : "\n", r.image_id, r.category_id);
    for (int k = 0; k < kKeypointValues; ++k) {
      if (k) s += ", ";
      put_number(s, r.keypoints[k]);
    }
    s += "], \"score\": ";
    put_number(s, r.score);
    if (r.has_bbox) {
      s += ", \"bbox\": [";
      for (int k = 0; k < 4; ++k) {
        if (k) s += ", ";
        put_number(s, r.bbox[k]);
      }
      s += "]";
    }
    s += "}";
  }
  s += "\n]\n";
  io::write_file_atomic(path, s);
}

}  // namespace hr::data::cocoeval
