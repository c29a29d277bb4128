#include "hrnet/evaluate/validation_hook.h"

#include <fmt/format.h>

#include "hrnet/evaluate/pipeline.h"

namespace hr::evaluate {

train::ValidationHook full_validation(const cfg::Config& cfg, Device device,
                                      std::filesystem::path output_dir) {
  if (!metric_available(cfg)) return train::loss_accuracy_validation(cfg, device);
  return [cfg, device, output_dir](net::PoseHighResolutionNet& net, int epoch) {
    EvalOptions o;
    o.device = device;
    o.output_dir = output_dir / fmt::format("epoch_{}", epoch);
    o.progress = nullptr;
    const EvalSummary s = evaluate_model(cfg, net, o);
    train::EvalResult r;
    r.metric_name = s.metric_name;
    r.metric = s.metric;
    r.values = s.values;
    return r;
  };
}

}  // namespace hr::evaluate
