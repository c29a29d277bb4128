// The official affine crop (lib/utils/transforms.py get_affine_transform / transform_preds)
// and a fast bilinear warp with a black border, optionally fused with the ImageNet
// normalisation that produces the network input.
#pragma once
#include <array>

#include "datasets/image/image.h"

namespace hr::data {

// x' = a[0][0] x + a[0][1] y + a[0][2],  y' = a[1][0] x + a[1][1] y + a[1][2]
struct Affine {
  double a[2][3] = {{1, 0, 0}, {0, 1, 0}};

  std::array<double, 2> apply(double x, double y) const {
    return {a[0][0] * x + a[0][1] * y + a[0][2], a[1][0] * x + a[1][1] * y + a[1][2]};
  }
  std::array<double, 2> apply(const std::array<double, 2>& p) const { return apply(p[0], p[1]); }
  Affine inverse() const;  // throws hr::Error when singular
};

// The official get_affine_transform(center, scale, rot, (out_w, out_h)) with shift 0, in
// closed form (checked against cv2.getAffineTransform on the official three-point
// construction by tests/reference/affine_reference.py: max difference 1.9e-6, which is the
// official float32 point rounding):
//   k = out_w / (200 * scale[0])        (only scale[0] is used)
//   A = k * [[cos t, sin t], [-sin t, cos t]],  t = rot_deg in radians
//   translation = (out_w/2, out_h/2) - A * center
// It maps image coordinates to crop coordinates (pass .inverse() for the official inv=1).
Affine get_affine_transform(const std::array<double, 2>& center, const std::array<double, 2>& scale,
                            double rot_deg, int out_w, int out_h, double pixel_std = 200.0);

// The official transform_preds for one point: heatmap coordinates back to image coordinates,
// rotation 0, no half-pixel term, scale[0] for both axes:
//   x = c_x + (x_hm - W_hm/2) * 200 s_w / W_hm,   y = c_y + (y_hm - H_hm/2) * 200 s_w / W_hm
std::array<double, 2> transform_preds(double x_hm, double y_hm, const std::array<double, 2>& center,
                                      const std::array<double, 2>& scale, int heatmap_w,
                                      int heatmap_h, double pixel_std = 200.0);

// cv2.warpAffine(src, M, (out_w, out_h), flags=INTER_LINEAR) with the constant-0 border:
// every output pixel is mapped through M's inverse to the source and sampled bilinearly;
// neighbours outside the image read 0 (a sample half outside blends with black); the result
// is rounded to uint8. Any channel count (1 to 4). The arithmetic is OpenCV's 8-bit
// fixed-point path (affine terms in 1/1024 pixel, coordinates in 1/32 pixel, integer
// weights), so the output is bit-exact with cv2.warpAffine of OpenCV <= 4.10, the versions
// the official results were produced with (checked on crops of a COCO image, and by a test
// fixture). OpenCV >= 4.11 / 5.x samples in float and differs from it by up to ~4 LSB.
Image warp_affine(const Image& src, const Affine& M, int out_w, int out_h);

// ImageNet normalisation applied after ToTensor (v / 255), RGB order.
inline constexpr std::array<float, 3> kImageNetMean{0.485f, 0.456f, 0.406f};
inline constexpr std::array<float, 3> kImageNetStd{0.229f, 0.224f, 0.225f};

// warp_affine fused with ToTensor + Normalize: writes out_h * out_w * 3 floats in HWC order
// (the engine's NHWC layout for one sample), dst[(y*out_w + x)*3 + c] = (v/255 - mean[c]) /
// std[c], where v is exactly the uint8 that warp_affine produces. src must have 3 channels.
void warp_normalize(const Image& src, const Affine& M, int out_w, int out_h, float* dst_hwc,
                    const std::array<float, 3>& mean = kImageNetMean,
                    const std::array<float, 3>& stddev = kImageNetStd);

// The same reading only a region of the source: bit-identical to warp_normalize of the full
// image provided the region holds every pixel inside the image that the warp reads (pixels
// outside the full image read 0 as above). Throws if a read falls inside the image but outside
// the region.
void warp_normalize(const ImageRegion& src, const Affine& M, int out_w, int out_h, float* dst_hwc,
                    const std::array<float, 3>& mean = kImageNetMean,
                    const std::array<float, 3>& stddev = kImageNetStd);

}  // namespace hr::data
