#include "hrnet/train/validation.h"

#include <memory>

#include "datasets/eval/postprocess/flip.h"
#include "datasets/pipeline/loader.h"
#include "engine/layout.h"
#include "engine/ops.h"
#include "engine/upload.h"
#include "hrnet/train/accuracy.h"
#include "hrnet/train/data_config.h"

namespace hr::train {

ValidationHook loss_accuracy_validation(const cfg::Config& cfg, Device device) {
  auto records = load_records(cfg, /*train=*/false, /*detections=*/false);
  HR_CHECK(!records.empty(), "validation: DATASET.TEST_SET {} under {} has no records", cfg.dataset.test_set,
           cfg.dataset.root);
  auto loader = std::make_shared<data::DataLoader>(std::move(records), sample_options(cfg, false),
                                                   loader_options(cfg, false));
  const bool use_weight = cfg.loss.use_target_weight;
  const bool flip_test = cfg.test.flip_test, shift = cfg.test.shift_heatmap;
  const auto pairs = loader->sample_options().joint_set.flip_pairs;
  return [loader, device, use_weight, flip_test, shift, pairs](net::PoseHighResolutionNet& net, int /*epoch*/) {
    AverageMeter loss, acc;
    loader->start_epoch(0);  // no shuffle, no augmentation: every epoch sees the same batches
    // One batch ahead, as in training: batch t+1's upload runs beside batch t's forward.
    const auto upload = [&](const data::Batch& b) {
      std::vector<Tensor> host{b.input, b.target, b.target_weight};
      if (flip_test) host.push_back(data::post::flip_width(b.input));
      return Upload::start(host, device);
    };
    std::optional<data::Batch> b = loader->next();
    Upload up = b ? upload(*b) : Upload{};
    while (b) {
      const std::vector<Tensor> dev = up.take();
      std::optional<data::Batch> next = loader->next();
      Upload next_up = next ? upload(*next) : Upload{};
      Var out = net.forward(Var(dev[0]));
      if (flip_test) {
        // The official validate() scores (output + shifted flip_back(output on the mirrored
        // batch)) / 2; the post-processing works on NCHW host arrays.
        const Var flipped = net.forward(Var(dev[3]));
        data::post::HeatmapShape shape;
        std::vector<float> hm = data::post::heatmaps_to_nchw(out.value().to(Device::CPU), &shape);
        const std::vector<float> fl = data::post::heatmaps_to_nchw(flipped.value().to(Device::CPU), &shape);
        data::post::merge_flip_test(hm.data(), fl.data(), shape, pairs, shift);
        const Tensor merged = Tensor::from_vector<float>(Shape{shape.n, shape.joints, shape.height, shape.width}, hm);
        out = Var(to_channels_last(merged).to(device));
      }
      const Var l = ops::joints_mse_loss(out, dev[1], dev[2], use_weight);
      loss.update(l.value().item(), double(b->size()));
      const HeatmapAccuracy a = heatmap_accuracy(out.value(), b->target);
      acc.update(a.avg, a.count);
      b = std::move(next);
      up = std::move(next_up);
    }
    EvalResult r;
    r.metric_name = "val_acc";
    r.metric = acc.avg;
    r.values = {{"val_loss", loss.avg}, {"val_acc", acc.avg}};
    return r;
  };
}

}  // namespace hr::train
