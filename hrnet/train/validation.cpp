#include "hrnet/train/validation.h"

#include <memory>

#include "datasets/pipeline/loader.h"
#include "engine/ops.h"
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
  return [loader, device, use_weight](net::PoseHighResolutionNet& net, int /*epoch*/) {
    AverageMeter loss, acc;
    loader->start_epoch(0);  // no shuffle, no augmentation: every epoch sees the same batches
    while (auto b = loader->next()) {
      const Var out = net.forward(Var(b->input.to(device)));
      const Var l = ops::joints_mse_loss(out, b->target.to(device), b->target_weight.to(device), use_weight);
      loss.update(l.value().item(), double(b->size()));
      const HeatmapAccuracy a = heatmap_accuracy(out.value(), b->target);
      acc.update(a.avg, a.count);
    }
    EvalResult r;
    r.metric_name = "val_acc";
    r.metric = acc.avg;
    r.values = {{"val_loss", loss.avg}, {"val_acc", acc.avg}};
    return r;
  };
}

}  // namespace hr::train
