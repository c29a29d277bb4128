#include "engine/layout.h"

#include <cstring>

namespace hr {
namespace {

// out[a][p(1)][p(2)][p(3)] with an element-size-generic copy, so f32, f64 and i64 share it.
// `to_last` selects [A,B,C,D] -> [A,C,D,B]; otherwise [A,C,D,B] -> [A,B,C,D].
Tensor permute4(const Tensor& t, bool to_last) {
  check_ndim(t, 4, to_last ? "to_channels_last input" : "to_channels_first input");
  const Tensor src = t.to(Device::CPU);
  const int64_t A = src.size(0), s1 = src.size(1), s2 = src.size(2), s3 = src.size(3);
  const Shape out_shape = to_last ? Shape{A, s2, s3, s1} : Shape{A, s3, s1, s2};
  Tensor out = Tensor::empty(out_shape, src.dtype(), Device::CPU);
  const size_t es = dtype_size(src.dtype());
  const auto* in = static_cast<const unsigned char*>(src.raw());
  auto* o = static_cast<unsigned char*>(out.raw());
  for (int64_t a = 0; a < A; ++a)
    for (int64_t i = 0; i < s1; ++i)
      for (int64_t j = 0; j < s2; ++j)
        for (int64_t k = 0; k < s3; ++k) {
          const int64_t src_idx = ((a * s1 + i) * s2 + j) * s3 + k;
          // to_last: source [a][c][h][w] -> dest [a][h][w][c]; else source [a][h][w][c] -> [a][c][h][w]
          const int64_t dst_idx = to_last ? ((a * s2 + j) * s3 + k) * s1 + i
                                          : ((a * s3 + k) * s1 + i) * s2 + j;
          std::memcpy(o + dst_idx * es, in + src_idx * es, es);
        }
  return out.to(t.device());
}

}  // namespace

Tensor to_channels_last(const Tensor& t) { return permute4(t, true); }
Tensor to_channels_first(const Tensor& t) { return permute4(t, false); }

}  // namespace hr
