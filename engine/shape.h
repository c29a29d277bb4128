// Tensor shapes of up to 4 dimensions. Activations are [N][H][W][C] (NHWC).
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace hr {

class Shape {
 public:
  static constexpr int kMaxDims = 4;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  template <typename It>
  static Shape from(It begin, It end) {
    Shape s;
    for (It it = begin; it != end; ++it) s.push(*it);
    return s;
  }

  int ndim() const { return nd_; }
  int64_t operator[](int i) const;
  int64_t numel() const;
  void push(int64_t d);
  const int64_t* data() const { return d_.data(); }

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[8, 64, 48, 32]"

 private:
  int nd_ = 0;
  std::array<int64_t, kMaxDims> d_{};
};

}  // namespace hr
