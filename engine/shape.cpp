#include "engine/shape.h"

#include <fmt/format.h>

#include "engine/error.h"

namespace hr {

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) push(d);
}

void Shape::push(int64_t d) {
  HR_CHECK(nd_ < kMaxDims, "shape: tensors have at most {} dimensions", kMaxDims);
  HR_CHECK(d >= 0, "shape: negative dimension {}", d);
  d_[nd_++] = d;
}

int64_t Shape::operator[](int i) const {
  if (i < 0) i += nd_;
  HR_CHECK(i >= 0 && i < nd_, "shape {}: no dimension {}", str(), i);
  return d_[i];
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < nd_; ++i) n *= d_[i];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (nd_ != o.nd_) return false;
  for (int i = 0; i < nd_; ++i)
    if (d_[i] != o.d_[i]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < nd_; ++i) s += (i ? ", " : "") + std::to_string(d_[i]);
  return s + "]";
}

}  // namespace hr
